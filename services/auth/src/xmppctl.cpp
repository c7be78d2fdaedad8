// xmppctl: account administration against a running cluster's auth service.
//
//   xmppctl [--auth HOST:PORT] adduser USER [PASSWORD]
//   xmppctl [--auth HOST:PORT] passwd USER [PASSWORD]
//   xmppctl [--auth HOST:PORT] deluser USER
//   xmppctl [--auth HOST:PORT] list [LIMIT]
//
// The auth address defaults to $XMPP_AUTH_ADDRESS, then 127.0.0.1:50051. A password not
// given on the command line is read from standard input (without echo on a terminal), so it
// need not appear in the process list or the shell history.

#include <grpcpp/grpcpp.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "xmpp/v1/auth.grpc.pb.h"

namespace {

int usage() {
  std::cerr << "usage: xmppctl [--auth HOST:PORT] adduser USER [PASSWORD]\n"
               "       xmppctl [--auth HOST:PORT] passwd USER [PASSWORD]\n"
               "       xmppctl [--auth HOST:PORT] deluser USER\n"
               "       xmppctl [--auth HOST:PORT] list [LIMIT]\n";
  return 2;
}

std::string readPassword() {
  const bool tty = isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty) {
    std::cerr << "Password: " << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string password;
  std::getline(std::cin, password);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  return password;
}

int fail(const grpc::Status& s) {
  std::cerr << "xmppctl: " << s.error_message() << " (" << s.error_code() << ")\n";
  switch (s.error_code()) {
    case grpc::ALREADY_EXISTS:
    case grpc::NOT_FOUND:
    case grpc::INVALID_ARGUMENT:
      return 1;
    default:
      return 3;
  }
}

std::unique_ptr<grpc::ClientContext> context() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  return ctx;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string address = "127.0.0.1:50051";
  if (const char* env = std::getenv("XMPP_AUTH_ADDRESS"); env != nullptr && *env != '\0') {
    address = env;
  }
  if (args.size() >= 2 && args[0] == "--auth") {
    address = args[1];
    args.erase(args.begin(), args.begin() + 2);
  } else if (!args.empty() && args[0].starts_with("--auth=")) {
    address = args[0].substr(7);
    args.erase(args.begin());
  }
  if (args.empty()) return usage();

  auto stub =
      xmpp::v1::Auth::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  const std::string& cmd = args[0];

  if ((cmd == "adduser" || cmd == "passwd") && (args.size() == 2 || args.size() == 3)) {
    const std::string password = args.size() == 3 ? args[2] : readPassword();
    xmpp::v1::AuthEmpty res;
    grpc::Status s;
    if (cmd == "adduser") {
      xmpp::v1::RegisterRequest req;
      req.set_username(args[1]);
      req.set_password(password);
      req.set_admin(true);
      s = stub->Register(context().get(), req, &res);
    } else {
      xmpp::v1::ChangePasswordRequest req;
      req.set_username(args[1]);
      req.set_password(password);
      s = stub->ChangePassword(context().get(), req, &res);
    }
    if (!s.ok()) return fail(s);
    std::cout << (cmd == "adduser" ? "added " : "password changed for ") << args[1] << "\n";
    return 0;
  }
  if (cmd == "deluser" && args.size() == 2) {
    xmpp::v1::DeleteAccountRequest req;
    req.set_username(args[1]);
    xmpp::v1::AuthEmpty res;
    if (auto s = stub->DeleteAccount(context().get(), req, &res); !s.ok()) return fail(s);
    std::cout << "deleted " << args[1] << "\n";
    return 0;
  }
  if (cmd == "list" && args.size() <= 2) {
    xmpp::v1::ListUsersRequest req;
    if (args.size() == 2) req.set_limit(static_cast<uint32_t>(std::stoul(args[1])));
    xmpp::v1::ListUsersResponse res;
    if (auto s = stub->ListUsers(context().get(), req, &res); !s.ok()) return fail(s);
    for (const auto& u : res.usernames()) std::cout << u << "\n";
    return 0;
  }
  return usage();
}
