# Every library the build uses, found once, all from Debian 12's packages
# (platform/install-deps.sh installs them). Nothing is downloaded.
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
