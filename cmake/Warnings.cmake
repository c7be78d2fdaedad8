# Project code links xmpp_warnings; third-party and generated code does not.
add_library(xmpp_warnings INTERFACE)
target_compile_options(xmpp_warnings INTERFACE
  -Wall -Wextra -Werror -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports false positives inside libstdc++ and protobuf headers at -O2.
  target_compile_options(xmpp_warnings INTERFACE -Wno-maybe-uninitialized -Wno-restrict
    -Wno-array-bounds -Wno-stringop-overflow)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND XMPP_SANITIZERS MATCHES "thread")
  # GCC warns that TSan does not instrument std::atomic_thread_fence (used inside Asio).
  target_compile_options(xmpp_warnings INTERFACE -Wno-tsan)
endif()
