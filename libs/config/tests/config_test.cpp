#include "xmpp/config/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace xmpp::config {
namespace {

TEST(Config, FlattensYamlAndConvertsTypes) {
  auto c = Config::fromYaml(
      "db:\n  url: host=x\n  pool_size: 4\nauth:\n  plain_without_tls: "
      "false\n  mechanisms: [SCRAM-SHA-256, PLAIN]\n");
  EXPECT_EQ(c.getString("db.url", ""), "host=x");
  EXPECT_EQ(c.getInt("db.pool_size", 8), 4);
  EXPECT_FALSE(c.getBool("auth.plain_without_tls", true));
  EXPECT_EQ(c.getString("auth.mechanisms", ""), "SCRAM-SHA-256,PLAIN");
  EXPECT_EQ(c.getInt("missing", 7), 7);
  EXPECT_THROW(Config::fromYaml("a: x").getInt("a", 0), std::runtime_error);
}

TEST(Config, ListsAreCommaSeparatedAndTrimmed) {
  Config c;
  c.set("router.addresses", " a:1, b:2,,c:3 ");
  EXPECT_EQ(c.getList("router.addresses"), (std::vector<std::string>{"a:1", "b:2", "c:3"}));
  EXPECT_EQ(c.getList("missing", "x"), std::vector<std::string>{"x"});
  EXPECT_TRUE(c.getList("missing").empty());
}

TEST(Config, EnvironmentThenFlagsOverrideTheFile) {
  char path[] = "/tmp/xmpp-config-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << "db:\n  url: from-file\n  pool_size: 3\nlisten: file\n";
  setenv("XMPP_DB_URL", "from-env", 1);
  setenv("XMPP_LISTEN", "env", 1);
  const char* argv[] = {"svc", "--config", path, "--listen=flag"};
  Config c = Config::load(4, argv);
  EXPECT_EQ(c.getString("db.url", ""), "from-env");
  EXPECT_EQ(c.getInt("db.pool_size", 0), 3);
  EXPECT_EQ(c.getString("listen", ""), "flag");
  unsetenv("XMPP_DB_URL");
  unsetenv("XMPP_LISTEN");
  std::remove(path);
}

TEST(Config, SecretsFromValueOrFile) {
  char path[] = "/tmp/xmpp-secret-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << "s3cret\n";
  Config c;
  c.set("auth.token_key_file", path);
  EXPECT_EQ(c.getSecret("auth.token_key"), "s3cret");
  c.set("auth.token_key", "direct");
  EXPECT_EQ(c.getSecret("auth.token_key"), "direct");
  EXPECT_EQ(Config::envName("db.pool_size"), "XMPP_DB_POOL_SIZE");
  std::remove(path);
}

}  // namespace
}  // namespace xmpp::config
