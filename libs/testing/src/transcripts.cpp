#include "xmpp/testing/transcripts.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace xmpp::testing {
namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool isStreamHeader(const std::string& s) { return s.starts_with("<stream:stream"); }
bool isStreamClose(const std::string& s) { return s == "</stream:stream>"; }

}  // namespace

std::string transcriptsDir() {
  if (const char* env = std::getenv("XMPP_TRANSCRIPTS_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return XMPP_TRANSCRIPTS_DIR;
}

Transcript loadTranscript(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read transcript " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();

  Transcript t;
  t.name = std::filesystem::path(path).filename().string();
  size_t pos = all.find("<!--");
  while (pos != std::string::npos) {
    size_t close = all.find("-->", pos);
    if (close == std::string::npos) break;
    TranscriptBlock b;
    b.label = trim(all.substr(pos + 4, close - pos - 4));
    b.direction = b.label.empty() ? '?' : b.label[0];
    size_t next = all.find("<!--", close + 3);
    b.text = trim(
        all.substr(close + 3, next == std::string::npos ? std::string::npos : next - close - 3));
    t.blocks.push_back(std::move(b));
    pos = next;
  }
  return t;
}

std::vector<Transcript> loadTranscripts() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(transcriptsDir())) {
    if (entry.path().extension() == ".xml") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) throw std::runtime_error("no transcripts in " + transcriptsDir());
  std::vector<Transcript> out;
  for (const auto& p : paths) out.push_back(loadTranscript(p));
  return out;
}

std::string clientStreamHeader(const std::string& to) {
  return "<stream:stream to='" + to +
         "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
         "version='1.0'>";
}

std::vector<std::string> clientSegments(const Transcript& t) {
  std::vector<std::string> segments;
  for (const auto& b : t.blocks) {
    if (b.direction != 'C') continue;
    if (isStreamHeader(b.text) || segments.empty()) {
      segments.emplace_back(isStreamHeader(b.text) ? "" : clientStreamHeader());
    }
    segments.back() += b.text;
  }
  return segments;
}

std::vector<std::string> clientStanzas(const Transcript& t) {
  std::vector<std::string> out;
  for (const auto& b : t.blocks) {
    if (b.direction == 'C' && !isStreamHeader(b.text) && !isStreamClose(b.text)) {
      out.push_back(b.text);
    }
  }
  return out;
}

}  // namespace xmpp::testing
