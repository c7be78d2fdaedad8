# XMPP_SANITIZERS applies to every target in the build, so that containers and
# inline library code are instrumented consistently.
if(XMPP_SANITIZERS)
  add_compile_options(-fsanitize=${XMPP_SANITIZERS} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${XMPP_SANITIZERS})
endif()

# Fuzz targets: libFuzzer's main plus ASan/UBSan. Libraries get coverage instrumentation.
if(XMPP_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "XMPP_BUILD_FUZZERS needs clang (use the 'fuzz' preset)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# xmpp_add_fuzzer(NAME SOURCE LIBS...)
function(xmpp_add_fuzzer name source)
  if(NOT XMPP_BUILD_FUZZERS)
    return()
  endif()
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE ${ARGN} xmpp_warnings)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()
