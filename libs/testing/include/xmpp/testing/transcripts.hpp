#pragma once
// Test support: the recorded client transcripts in tests/data/transcripts.

#include <string>
#include <vector>

namespace xmpp::testing {

struct TranscriptBlock {
  char direction = 'C';  // 'C' client to server, 'S' server to client
  std::string label;     // the marker's text, e.g. "C (sender)"
  std::string text;
};

struct Transcript {
  std::string name;  // file name
  std::vector<TranscriptBlock> blocks;
};

/// Directory of the transcripts: $XMPP_TRANSCRIPTS_DIR, else the build's configured path.
std::string transcriptsDir();
/// Every *.xml transcript, sorted by name. Throws if none is found.
std::vector<Transcript> loadTranscripts();
Transcript loadTranscript(const std::string& path);

/// A stream header as a client sends it, for blocks recorded without one.
std::string clientStreamHeader(const std::string& to = "localhost");

/// The client side as stream segments, split at stream restarts: each segment starts
/// with a stream header (synthesized if the transcript has none).
std::vector<std::string> clientSegments(const Transcript& t);

/// The client blocks that are top-level elements (not stream headers or the close tag).
std::vector<std::string> clientStanzas(const Transcript& t);

}  // namespace xmpp::testing
