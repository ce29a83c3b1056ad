# Windows installer: CPack NSIS (docs/packaging.md, "Windows"). Included by
# packaging/CMakeLists.txt on every platform — the CPACK_NSIS_* settings are inert for other
# generators, and packaging/check-release-files compiles the NSIS script on Linux with
# makensis — but the deployment below (windeployqt, the runtime DLLs) runs on Windows only.

set(CPACK_NSIS_PACKAGE_NAME "Parley")
set(CPACK_NSIS_DISPLAY_NAME "Parley ${PROJECT_VERSION}")
set(CPACK_NSIS_MUI_ICON "${PROJECT_SOURCE_DIR}/resources/icons/parley.ico")
set(CPACK_NSIS_MUI_UNIICON "${PROJECT_SOURCE_DIR}/resources/icons/parley.ico")
set(CPACK_NSIS_INSTALLED_ICON_NAME "bin\\\\parley.exe")
set(CPACK_NSIS_URL_INFO_ABOUT "${PROJECT_HOMEPAGE_URL}")
set(CPACK_NSIS_HELP_LINK "${PROJECT_HOMEPAGE_URL}")
set(CPACK_NSIS_CONTACT "${PARLEY_PACKAGE_CONTACT}")
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
set(CPACK_NSIS_MODIFY_PATH OFF)
set(CPACK_NSIS_EXECUTABLES_DIRECTORY bin)
set(CPACK_NSIS_MUI_FINISHPAGE_RUN parley.exe)
# A Start-menu shortcut is made from CPACK_PACKAGE_EXECUTABLES (parley;Parley).
# Code signing plugs in here: CPack runs this on the finished installer (release.yml sets
# PARLEY_SIGN_COMMAND from its secrets; unset, nothing is signed).
if(DEFINED ENV{PARLEY_SIGN_COMMAND})
    set(CPACK_NSIS_FINALIZE_CMD "$ENV{PARLEY_SIGN_COMMAND} \\\"%1\\\"")
endif()

if(WIN32 AND PARLEY_BUILD_APP)
    # windeployqt copies the Qt DLLs and plugins (platform, styles, image formats, SQL
    # drivers, TLS backends; QtMultimedia and its backends for the camera module, which
    # parley.exe loads on demand and so is named here) next to parley.exe in the staging tree; the non-Qt DLLs
    # (libsodium, protobuf, QtKeychain) come from CMake's runtime dependency scan.
    get_target_property(parley_qmake Qt6::qmake IMPORTED_LOCATION)
    get_filename_component(parley_qt_bin "${parley_qmake}" DIRECTORY)
    find_program(PARLEY_WINDEPLOYQT windeployqt HINTS "${parley_qt_bin}" REQUIRED)
    install(CODE "
        set(bin \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
        execute_process(COMMAND \"${PARLEY_WINDEPLOYQT}\" --release --no-translations
                                --no-system-d3d-compiler --no-opengl-sw --compiler-runtime
                                \"\${bin}/parley.exe\" \"\${bin}/parley-cli.exe\"
                                \"\${bin}/$<TARGET_FILE_NAME:parley_camera>\"
                        RESULT_VARIABLE result)
        if(NOT result EQUAL 0)
            message(FATAL_ERROR \"windeployqt failed: \${result}\")
        endif()" COMPONENT app)
    install(TARGETS parley parley-cli COMPONENT app
        RUNTIME_DEPENDENCIES
            PRE_EXCLUDE_REGEXES "^api-ms-" "^ext-ms-" "^Qt6"
            POST_EXCLUDE_REGEXES "[Ss]ystem32"
            DIRECTORIES ${PARLEY_RUNTIME_DLL_DIRS} "${parley_qt_bin}"
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT app)
endif()
