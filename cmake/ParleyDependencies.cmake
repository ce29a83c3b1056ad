# Third-party dependencies. Each component asks only for the Qt modules it needs, so a
# relay-only build (-DPARLEY_BUILD_APP=OFF -DPARLEY_BUILD_TOOLS=OFF) never looks for Qt Gui
# or Widgets.

set(PARLEY_QT_COMPONENTS Core)
if(PARLEY_BUILD_SERVER OR PARLEY_BUILD_CORE)
    list(APPEND PARLEY_QT_COMPONENTS Network WebSockets Sql)
endif()
if(PARLEY_BUILD_CORE)
    # Gui for media/ (QImage: image preparation before sending); core/ itself never uses it.
    list(APPEND PARLEY_QT_COMPONENTS Gui)
endif()
if(PARLEY_BUILD_APP)
    # DBus: desktop notifications. LinguistTools: lupdate/lrelease for translations/*.ts
    # (Debian qt6-tools-dev for the CMake package, qt6-l10n-tools for the programs).
    # Multimedia: the camera module only (app/camera/, loaded on demand; Debian
    # qt6-multimedia-dev). Svg: the interface icons (resources/icons/ui; Debian qt6-svg-dev).
    list(APPEND PARLEY_QT_COMPONENTS Gui Widgets DBus LinguistTools Multimedia Svg)
endif()
if(PARLEY_BUILD_TESTS)
    list(APPEND PARLEY_QT_COMPONENTS Test)
endif()
find_package(Qt6 6.4 REQUIRED COMPONENTS ${PARLEY_QT_COMPONENTS})

# libsodium: vcpkg ships a CMake package, Debian/Ubuntu/Homebrew a pkg-config file.
find_package(unofficial-sodium CONFIG QUIET)
if(unofficial-sodium_FOUND)
    add_library(parley_sodium INTERFACE)
    target_link_libraries(parley_sodium INTERFACE unofficial-sodium::sodium)
else()
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium>=1.0.18)
    add_library(parley_sodium INTERFACE)
    target_link_libraries(parley_sodium INTERFACE PkgConfig::SODIUM)
endif()

# Protobuf: Debian ships no CMake package for 3.21, so CMake's FindProtobuf module does it.
find_package(Protobuf 3.12 REQUIRED)

# QtKeychain (the OS keychain for "remember on this computer"): Debian qtkeychain-qt6-dev,
# Homebrew qtkeychain, vcpkg qtkeychain-qt6. Only the client core needs it.
if(PARLEY_BUILD_CORE)
    find_package(Qt6Keychain REQUIRED)
endif()

# The app's verification dialog: QR codes are made with libqrencode and read from images with
# libzbar (Debian libqrencode-dev, libzbar-dev; Homebrew qrencode, zbar; vcpkg libqrencode).
if(PARLEY_BUILD_APP)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode>=4.0)
    pkg_check_modules(ZBAR REQUIRED IMPORTED_TARGET zbar>=0.22)
endif()
