# Every library the build uses, found once, all from Debian 12's packages
# (platform/install-deps.sh installs them). Nothing is downloaded.
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# Head office's PostgreSQL 15 (issue 14): Debian's libpq (libpq-dev).
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
# The kiosk's user interface: SDL2 (window, input, software renderer), Dear
# ImGui 1.86 (libimgui-dev; its pkg-config file also brings -lstb) and stb
# (stb_image, compiled into Debian's libstb: the tests read screenshots back).
find_package(SDL2 REQUIRED CONFIG)
pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)
# The QR code of the customer's status link on the kiosk's screen (libqrencode).
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
# The wire to head office (sync/): libcurl on the terminal, cpp-httplib with
# OpenSSL at head office (its pkg-config flags must match Debian's build of
# the library: OpenSSL, zlib and brotli support), zlib for gzip bodies and
# the kiosk's screenshots.
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
