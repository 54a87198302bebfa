# What `cmake --install` puts where: every install() rule of the project, in
# two components, one per Debian package (platform/debian/): `terminal` (the
# kiosk's programs, its assets, its systemd unit) and `hq` (head office's
# program, its service, backup service and timer).
include(GNUInstallDirs)

# Where the units go: relative to the prefix by default (/usr/lib/systemd/system);
# Debian 12's packages put them in /lib/systemd/system (platform/debian/rules).
set(FEEDBACK_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where the systemd units (platform/systemd/) are installed")

# Where udev rules go: relative to the prefix by default; /lib/udev/rules.d in
# Debian 12's packages.
set(FEEDBACK_UDEV_RULES_DIR "lib/udev/rules.d" CACHE STRING "Where the udev rules (platform/udev/) are installed")

# The kiosk finds its assets where FEEDBACK_ASSETS_DIR (terminal/app/) says,
# baked in at build time: an installed kiosk needs it to be the installed
# path, which installing checks (with the prefix `cmake --install` is given).
set(FEEDBACK_INSTALLED_ASSETS_DIR "${CMAKE_INSTALL_DATADIR}/feedback-terminal/assets")

# [SECTION] terminal: feedback-terminal, and feedback-kiosk beside it (`run` execs it from its own folder)
install(CODE "
  set(installed_assets \"${FEEDBACK_INSTALLED_ASSETS_DIR}\")
  cmake_path(ABSOLUTE_PATH installed_assets BASE_DIRECTORY \"\${CMAKE_INSTALL_PREFIX}\")
  if(NOT \"${FEEDBACK_ASSETS_DIR}\" STREQUAL \"\${installed_assets}\")
    message(FATAL_ERROR \"The kiosk was built to find its assets in ${FEEDBACK_ASSETS_DIR}, but they would be \"
                        \"installed in \${installed_assets}: configure with \"
                        \"-DFEEDBACK_ASSETS_DIR=\${installed_assets} to install.\")
  endif()" COMPONENT terminal)
install(TARGETS feedback-terminal feedback-kiosk RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT terminal)
# The dashboard's assets are built into feedback-hq; the kiosk reads these at run time.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/assets/config ${PROJECT_SOURCE_DIR}/assets/i18n
                  ${PROJECT_SOURCE_DIR}/assets/fonts
        DESTINATION ${FEEDBACK_INSTALLED_ASSETS_DIR} COMPONENT terminal)
install(FILES ${PROJECT_SOURCE_DIR}/platform/systemd/feedback-kiosk.service
        DESTINATION ${FEEDBACK_SYSTEMD_UNIT_DIR} COMPONENT terminal)
# A USB stick with a setup file, mounted read-only for the setup screen; the
# touchscreen mapped as the display settings say (platform/udev/).
install(FILES ${PROJECT_SOURCE_DIR}/platform/udev/90-feedback-setup-stick.rules
              ${PROJECT_SOURCE_DIR}/platform/udev/91-feedback-touch.rules
        DESTINATION ${FEEDBACK_UDEV_RULES_DIR} COMPONENT terminal)
# This device's display settings (rotation, touch), all commented out: a
# conffile in /etc in the package (the prefix /usr, or debhelper, gives /etc),
# where `feedback-terminal session` reads them.
install(FILES ${PROJECT_SOURCE_DIR}/platform/display/display.conf
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/feedback-terminal COMPONENT terminal)

# [SECTION] hq: feedback-hq as a service, with its nightly backup
install(TARGETS feedback-hq RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT hq)
install(FILES ${PROJECT_SOURCE_DIR}/platform/systemd/feedback-hq.service
              ${PROJECT_SOURCE_DIR}/platform/systemd/feedback-hq-backup.service
              ${PROJECT_SOURCE_DIR}/platform/systemd/feedback-hq-backup.timer
        DESTINATION ${FEEDBACK_SYSTEMD_UNIT_DIR} COMPONENT hq)
