# Language level, warnings, sanitizers and the compiler cache for every Parley target.

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)
set(CMAKE_AUTOMOC ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
    set(CMAKE_BUILD_TYPE Debug CACHE STRING "Build type" FORCE)
endif()

find_program(PARLEY_CCACHE ccache)
if(PARLEY_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${PARLEY_CCACHE}")
endif()

# Applied per target (parley_target_defaults) so generated protobuf code and third-party
# headers are not held to our warning level.
add_library(parley_warnings INTERFACE)
if(MSVC)
    target_compile_options(parley_warnings INTERFACE /W4 /permissive-)
    if(PARLEY_WERROR)
        target_compile_options(parley_warnings INTERFACE /WX)
    endif()
else()
    target_compile_options(parley_warnings INTERFACE
        -Wall -Wextra -Wpedantic -Wnon-virtual-dtor -Woverloaded-virtual
        -Wimplicit-fallthrough -Wcast-qual -Wformat=2)
    if(PARLEY_WERROR)
        target_compile_options(parley_warnings INTERFACE -Werror)
    endif()
endif()

add_library(parley_qt_defaults INTERFACE)
target_compile_definitions(parley_qt_defaults INTERFACE
    QT_NO_CAST_FROM_BYTEARRAY
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_USE_QSTRINGBUILDER
    QT_DISABLE_DEPRECATED_BEFORE=0x060400)

if(PARLEY_SANITIZE)
    add_compile_options(-fsanitize=${PARLEY_SANITIZE} -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${PARLEY_SANITIZE})
endif()

if(PARLEY_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "PARLEY_FUZZ needs clang (libFuzzer); use the 'fuzz' preset")
    endif()
    # Everything is instrumented for coverage; only the fuzz drivers link libFuzzer's main.
    add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
endif()

# Every first-party target calls this: one place for the warning level and Qt defines.
function(parley_target_defaults target)
    target_link_libraries(${target} PRIVATE parley_warnings parley_qt_defaults)
endfunction()
