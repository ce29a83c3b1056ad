# macOS disk image: CPack DragNDrop with Parley.app made self-contained by macdeployqt
# (docs/packaging.md, "macOS"). Included by packaging/CMakeLists.txt on Apple only; built by
# .github/workflows/release.yml, never on the Linux CI.

set(CPACK_GENERATOR DragNDrop)
set(CPACK_COMPONENTS_ALL app)
set(CPACK_DMG_VOLUME_NAME "Parley ${PROJECT_VERSION}")
set(CPACK_DMG_FORMAT UDZO)
set(CPACK_PACKAGE_ICON "${PROJECT_SOURCE_DIR}/resources/icons/parley.icns")

if(PARLEY_BUILD_APP)
    get_target_property(parley_qmake Qt6::qmake IMPORTED_LOCATION)
    get_filename_component(parley_qt_bin "${parley_qmake}" DIRECTORY)
    find_program(PARLEY_MACDEPLOYQT macdeployqt HINTS "${parley_qt_bin}" REQUIRED)
    # parley-cli goes inside the bundle (Contents/MacOS) so macdeployqt fixes its libraries
    # too, and the camera module (Contents/PlugIns) so QtMultimedia comes along; Homebrew's
    # libsodium, protobuf and qtkeychain are copied in with Qt's.
    # Signing plugs in here: with PARLEY_CODESIGN_IDENTITY set (release.yml, from its
    # secrets) macdeployqt signs with the hardened runtime; notarization runs on the .dmg
    # afterwards (release.yml, `xcrun notarytool submit --wait` and `xcrun stapler staple`).
    install(CODE "
        set(app \"\${CMAKE_INSTALL_PREFIX}/Parley.app\")
        file(COPY \"$<TARGET_FILE:parley-cli>\" DESTINATION \"\${app}/Contents/MacOS\")
        set(sign)
        if(DEFINED ENV{PARLEY_CODESIGN_IDENTITY})
            set(sign \"-codesign=\$ENV{PARLEY_CODESIGN_IDENTITY}\" -hardened-runtime -timestamp)
        endif()
        execute_process(COMMAND \"${PARLEY_MACDEPLOYQT}\" \"\${app}\" -always-overwrite
                                \"-executable=\${app}/Contents/MacOS/parley-cli\"
                                \"-executable=\${app}/Contents/PlugIns/$<TARGET_FILE_NAME:parley_camera>\"
                                \${sign}
                        RESULT_VARIABLE result)
        if(NOT result EQUAL 0)
            message(FATAL_ERROR \"macdeployqt failed: \${result}\")
        endif()" COMPONENT app)
endif()
