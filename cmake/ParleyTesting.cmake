# parley_add_test(<name> LABEL <label> TIMEOUT <seconds> SOURCES ... [LIBS ...] [GUI]
#                 [WRAPPER <script>])
#
# WRAPPER runs the test as `<script> <test binary>`, for tests that need an environment set
# up around them (e.g. tests/core/run-with-keyring.sh).
# One Qt Test executable, registered with CTest under exactly one label and a timeout.
# Tests run on the offscreen platform so they need no display; every test gets its own
# XDG/HOME-like scratch locations through QStandardPaths test mode in the test itself.
function(parley_add_test name)
    cmake_parse_arguments(T "GUI" "LABEL;TIMEOUT;WRAPPER" "SOURCES;LIBS" ${ARGN})
    if(NOT T_LABEL OR NOT T_TIMEOUT)
        message(FATAL_ERROR "parley_add_test(${name}): LABEL and TIMEOUT are required")
    endif()
    add_executable(${name} ${T_SOURCES})
    parley_target_defaults(${name})
    target_link_libraries(${name} PRIVATE Qt6::Test ${T_LIBS})
    target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/tests")
    if(T_WRAPPER)
        add_test(NAME ${name} COMMAND "${T_WRAPPER}" "$<TARGET_FILE:${name}>")
    else()
        add_test(NAME ${name} COMMAND ${name})
    endif()
    set(env "QT_QPA_PLATFORM=offscreen" "QT_LOGGING_RULES=parley.*.debug=true")
    if(TARGET parley-relay)
        list(APPEND env "PARLEY_RELAY_BIN=$<TARGET_FILE:parley-relay>")
    endif()
    if(TARGET parley)
        list(APPEND env "PARLEY_APP_BIN=$<TARGET_FILE:parley>")
    endif()
    if(TARGET parley-cli)
        list(APPEND env "PARLEY_CLI_BIN=$<TARGET_FILE:parley-cli>")
    endif()
    set_tests_properties(${name} PROPERTIES
        LABELS "${T_LABEL}"
        TIMEOUT "${T_TIMEOUT}"
        ENVIRONMENT "${env}")
endfunction()
