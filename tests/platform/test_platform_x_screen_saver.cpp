// x-screen-saver-probe: a helper of the kiosk session test (test_kiosk_session.cpp)
// that asks the X server in $DISPLAY (cage's XWayland) what could blank the
// screen, as the session's own user (XWayland refuses other users), and can
// start its screen saver. Not installed; a test tool only.
#include <X11/Xlib.h>
#include <X11/extensions/dpms.h>
#include <X11/extensions/scrnsaver.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

namespace {

constexpr const char* usage = "usage: x-screen-saver-probe [--force]\n"
                              "Prints what the X server in $DISPLAY has that could blank the screen:\n"
                              "  saver_extension=yes|no dpms_extension=yes|no timeout=SECONDS\n"
                              "(MIT-SCREEN-SAVER, DPMS, the screen saver's timeout, 0 for never).\n"
                              "--force then sets the timeout to 1 second and starts the screen saver.\n"
                              "Exit status: 0 done, 1 no X server to ask, 2 wrong command line.\n";

const char* yes_no(bool value) { return value ? "yes" : "no"; }

} // namespace

int main(int argc, char** argv)
{
    bool force = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0) {
            std::cout << usage;
            return 0;
        }
        if (std::strcmp(argv[i], "--force") != 0) {
            std::cerr << "x-screen-saver-probe: unknown option " << argv[i] << "\n" << usage;
            return 2;
        }
        force = true;
    }
    const char* display_name = std::getenv("DISPLAY");
    Display* display = XOpenDisplay(display_name);
    if (display == nullptr) {
        std::cerr << "x-screen-saver-probe: cannot open the X display \"" << (display_name ? display_name : "")
                  << "\" (is DISPLAY set, and does its server let this user in?)\n";
        return 1;
    }
    int event_base = 0;
    int error_base = 0;
    const bool saver_extension = XScreenSaverQueryExtension(display, &event_base, &error_base) != 0;
    const bool dpms_extension = DPMSQueryExtension(display, &event_base, &error_base) != 0;
    int timeout = -1;
    int interval = 0;
    int prefer_blanking = 0;
    int allow_exposures = 0;
    XGetScreenSaver(display, &timeout, &interval, &prefer_blanking, &allow_exposures);
    std::cout << "saver_extension=" << yes_no(saver_extension) << " dpms_extension=" << yes_no(dpms_extension)
              << " timeout=" << timeout << "\n";
    if (force) {
        XSetScreenSaver(display, 1, 0, DefaultBlanking, DefaultExposures);
        XForceScreenSaver(display, ScreenSaverActive);
        XSync(display, 0);
        std::cout << "forced\n";
    }
    XCloseDisplay(display);
    return 0;
}
