#include "xmpp/config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace xmpp::config {
namespace {

void flatten(const YAML::Node& node, const std::string& prefix,
             std::map<std::string, std::string>& out) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      flatten(kv.second, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else if (node.IsSequence()) {
    std::string joined;
    for (const auto& item : node) {
      if (!joined.empty()) joined += ",";
      joined += item.as<std::string>();
    }
    out[prefix] = joined;
  } else if (node.IsScalar()) {
    out[prefix] = node.as<std::string>();
  } else if (node.IsNull() && !prefix.empty()) {
    out[prefix] = "";
  }
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string Config::envName(const std::string& key) {
  std::string out = "XMPP_";
  for (char c : key) {
    out += (c == '.' || c == '-') ? '_'
                                  : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

Config Config::fromYaml(std::string_view yaml) {
  Config c;
  c.mergeYaml(yaml);
  return c;
}

void Config::mergeYaml(std::string_view yaml) {
  YAML::Node root = YAML::Load(std::string(yaml));
  flatten(root, "", entries_);
}

void Config::mergeEnvironment(const std::vector<std::string>& knownKeys) {
  // Keys named in the file or by the service: XMPP_DB_URL overrides db.url.
  std::vector<std::string> keys = knownKeys;
  for (const auto& [k, v] : entries_) keys.push_back(k);
  for (const auto& key : keys) {
    for (const std::string& name : {key, key + "_file"}) {
      if (const char* v = std::getenv(envName(name).c_str()); v != nullptr) entries_[name] = v;
    }
  }
}

void Config::set(const std::string& key, std::string value) { entries_[key] = std::move(value); }

Config Config::load(int argc, const char* const* argv) {
  Config c;
  std::string file;
  if (const char* env = std::getenv("XMPP_CONFIG"); env != nullptr) file = env;
  std::vector<std::pair<std::string, std::string>> flags;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with("--"))
      throw std::runtime_error("unexpected argument: " + std::string(arg));
    arg.remove_prefix(2);
    std::string key, value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      key = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      key = arg;
      value = argv[++i];
    } else {
      throw std::runtime_error("flag --" + std::string(arg) + " needs a value");
    }
    if (key == "config") {
      file = value;
    } else {
      flags.emplace_back(key, value);
    }
  }
  if (!file.empty()) c.mergeYaml(readFile(file));
  // Every XMPP_* variable is a candidate key (lower-cased, '_' -> '.' is ambiguous, so the
  // service's get*() calls also consult the environment directly via find()).
  c.mergeEnvironment({});
  for (auto& [k, v] : flags) c.entries_[k] = v;
  return c;
}

std::optional<std::string> Config::find(const std::string& key) const {
  if (auto it = entries_.find(key); it != entries_.end()) return it->second;
  if (const char* v = std::getenv(envName(key).c_str()); v != nullptr) return std::string(v);
  return std::nullopt;
}

std::string Config::getString(const std::string& key, const std::string& fallback) const {
  return find(key).value_or(fallback);
}

std::vector<std::string> Config::getList(const std::string& key,
                                         const std::string& fallback) const {
  const std::string value = getString(key, fallback);
  std::vector<std::string> out;
  for (size_t start = 0; start < value.size();) {
    size_t end = value.find(',', start);
    if (end == std::string::npos) end = value.size();
    std::string item = value.substr(start, end - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(std::move(item));
    start = end + 1;
  }
  return out;
}

int64_t Config::getInt(const std::string& key, int64_t fallback) const {
  auto v = find(key);
  if (!v || v->empty()) return fallback;
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(*v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != v->size()) {
    throw std::runtime_error("config " + key + ": not an integer: " + *v);
  }
  return n;
}

bool Config::getBool(const std::string& key, bool fallback) const {
  auto v = find(key);
  if (!v || v->empty()) return fallback;
  if (*v == "true" || *v == "1" || *v == "yes" || *v == "on") return true;
  if (*v == "false" || *v == "0" || *v == "no" || *v == "off") return false;
  throw std::runtime_error("config " + key + ": not a boolean: " + *v);
}

std::string Config::getSecret(const std::string& key, const std::string& fallback) const {
  if (auto v = find(key); v && !v->empty()) return *v;
  if (auto f = find(key + "_file"); f && !f->empty()) {
    std::string s = readFile(*f);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  return fallback;
}

}  // namespace xmpp::config
