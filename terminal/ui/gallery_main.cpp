// feedback-ui-gallery: shows the widget gallery in a window (or fullscreen),
// runs a script against it headless with screenshots, and measures frame
// times in the software renderer (--bench N).
#include "ui/app_shell.h"
#include "ui/gallery.h"
#include "ui/script.h"

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace feedback::ui;

constexpr const char* usage =
    "usage: feedback-ui-gallery [--window WxH | --fullscreen | --headless WxH] [--gpu]\n"
    "                           [--script FILE] [--screenshots DIR] [--bench N] [--fonts DIR]\n"
    "  --window WxH      a window of that size (default 1280x800)\n"
    "  --fullscreen      the whole display, no cursor\n"
    "  --headless WxH    no display (SDL offscreen driver), simulated clock\n"
    "  --gpu             a GPU renderer if there is one (default: software)\n"
    "  --script FILE     run a JSON-lines script (see terminal/ui/script.h), then exit\n"
    "  --screenshots DIR screenshots after every script step (NNN-<screen>.png)\n"
    "  --bench N         draw N frames of each gallery page and print frame times\n"
    "  --fonts DIR       where NotoSans-Regular.ttf and NotoSans-Bold.ttf are\n";

struct Arguments {
    ShellOptions shell;
    std::optional<std::string> script;
    std::optional<std::string> screenshots;
    int bench_frames = 0;
};

std::optional<Arguments> parse(int argc, char** argv)
{
    Arguments args;
    std::vector<std::string> list(argv + 1, argv + argc);
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string& name = list[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= list.size()) {
                std::cerr << "feedback-ui-gallery: " << name << " needs a value\n";
                return std::nullopt;
            }
            return list[++i];
        };
        if (name == "--window" || name == "--headless") {
            const auto text = value();
            const auto size = text ? parse_window_size(*text) : std::nullopt;
            if (!size) {
                std::cerr << "feedback-ui-gallery: " << name << " needs WIDTHxHEIGHT, e.g. 1280x800\n";
                return std::nullopt;
            }
            args.shell.width = size->width;
            args.shell.height = size->height;
            args.shell.display = name == "--window" ? DisplayMode::window : DisplayMode::headless;
        } else if (name == "--fullscreen") {
            args.shell.display = DisplayMode::fullscreen;
        } else if (name == "--gpu") {
            args.shell.renderer = RendererKind::accelerated;
        } else if (name == "--script") {
            if (!(args.script = value()))
                return std::nullopt;
        } else if (name == "--screenshots") {
            if (!(args.screenshots = value()))
                return std::nullopt;
        } else if (name == "--fonts") {
            const auto dir = value();
            if (!dir)
                return std::nullopt;
            args.shell.fonts_dir = *dir;
        } else if (name == "--bench") {
            const auto text = value();
            if (!text)
                return std::nullopt;
            args.bench_frames = std::atoi(text->c_str());
            if (args.bench_frames <= 0) {
                std::cerr << "feedback-ui-gallery: --bench needs a number of frames > 0\n";
                return std::nullopt;
            }
        } else if (name == "--help" || name == "-h") {
            std::cout << usage;
            std::exit(0);
        } else {
            std::cerr << "feedback-ui-gallery: unknown option " << name << "\n" << usage;
            return std::nullopt;
        }
    }
    if (args.shell.display == DisplayMode::headless)
        args.shell.clock = ClockKind::simulated;
    return args;
}

void print_summary(const char* what, const TimingSummary& summary)
{
    std::printf("  %-8s median %6.2f ms   p95 %6.2f ms   max %6.2f ms\n", what, summary.median_ms, summary.p95_ms,
                summary.max_ms);
}

int bench(AppShell& shell, Gallery& gallery, const DrawFn& draw, int frames)
{
    auto first = shell.render_frame(draw);
    if (!first) {
        std::cerr << "feedback-ui-gallery: " << first.error().message << "\n";
        return 1;
    }
    std::printf("renderer %s on %s, %dx%d, startup (to first frame) %.1f ms, font atlas %.1f ms\n",
                shell.renderer_name().c_str(), shell.video_driver().c_str(), static_cast<int>(shell.display_size().x),
                static_cast<int>(shell.display_size().y), shell.stats().startup_ms, shell.stats().fonts_ms);
    for (const auto page : {GalleryState::Page::widgets, GalleryState::Page::keyboard}) {
        gallery.state().page = page;
        std::vector<FrameTiming> timings;
        for (int i = 0; i < frames + 3; ++i) {
            auto timing = shell.render_frame(draw);
            if (!timing) {
                std::cerr << "feedback-ui-gallery: " << timing.error().message << "\n";
                return 1;
            }
            if (i >= 3) // the first frames after a page change lay out and warm caches
                timings.push_back(*timing);
        }
        std::vector<double> total, build, raster, present;
        for (const FrameTiming& t : timings) {
            total.push_back(t.total_ms);
            build.push_back(t.build_ms);
            raster.push_back(t.raster_ms);
            present.push_back(t.present_ms);
        }
        std::printf("%s, %d frames:\n", gallery.screen_name().c_str(), frames);
        print_summary("build", summarize(build));
        print_summary("raster", summarize(raster));
        print_summary("present", summarize(present));
        print_summary("total", summarize(total));
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const auto args = parse(argc, argv);
    if (!args)
        return 2;
    auto shell = AppShell::create(args->shell);
    if (!shell) {
        std::cerr << "feedback-ui-gallery: " << shell.error().message << "\n";
        return 1;
    }
    Gallery gallery;
    const DrawFn draw = [&](FrameContext& ctx) { gallery.draw(ctx); };

    if (args->bench_frames > 0)
        return bench(**shell, gallery, draw, args->bench_frames);

    if (args->script) {
        auto steps = load_script(*args->script);
        if (!steps) {
            std::cerr << "feedback-ui-gallery: " << steps.error().message << "\n";
            return 1;
        }
        ScriptOptions options;
        options.screen_name = [&] { return gallery.screen_name(); };
        if (args->screenshots) {
            options.screenshots_dir = *args->screenshots;
            options.screenshot_every_step = true;
        }
        ScriptRunner runner(**shell, draw, options);
        auto ran = runner.run(*steps);
        if (!ran) {
            std::cerr << "feedback-ui-gallery: " << ran.error().message << "\n";
            return 1;
        }
        std::cout << "script passed: " << runner.report().steps_run << " steps, "
                  << runner.report().screenshots.size() << " screenshots\n";
        return 0;
    }

    if (args->shell.display == DisplayMode::headless) {
        std::cerr << "feedback-ui-gallery: --headless needs --script or --bench\n";
        return 2;
    }
    auto ran = (*shell)->run(draw);
    if (!ran) {
        std::cerr << "feedback-ui-gallery: " << ran.error().message << "\n";
        return 1;
    }
    return 0;
}
