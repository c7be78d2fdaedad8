# xmpp_embed_migrations(TARGET COMPONENT DIR): compiles DIR/NNNN_name.sql into a source
# defining `std::vector<xmpp::storage_pg::Migration> <component>Migrations()`, so service
# binaries carry their schema with them.
function(xmpp_embed_migrations target component dir)
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/*.sql)
  list(SORT sql_files)
  set(body "")
  foreach(f ${sql_files})
    get_filename_component(fname ${f} NAME_WE)
    string(REGEX MATCH "^([0-9]+)_(.*)$" _ ${fname})
    if(NOT CMAKE_MATCH_1)
      message(FATAL_ERROR "migration ${f} must be named NNNN_name.sql")
    endif()
    math(EXPR version "${CMAKE_MATCH_1} + 0")
    file(READ ${f} sql)
    string(APPEND body "    {${version}, \"${CMAKE_MATCH_2}\", R\"__sql__(${sql})__sql__\"},\n")
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${component}_migrations.cpp)
  file(WRITE ${out}.tmp
    "// Generated from ${dir} by cmake/Migrations.cmake. Do not edit.\n"
    "#include \"xmpp/storage_pg/migrations.hpp\"\n"
    "namespace xmpp::storage_pg {\n"
    "std::vector<Migration> ${component}Migrations() {\n  return {\n${body}  };\n}\n"
    "}  // namespace xmpp::storage_pg\n")
  configure_file(${out}.tmp ${out} COPYONLY)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${sql_files})
  target_sources(${target} PRIVATE ${out})
endfunction()
