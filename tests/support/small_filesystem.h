// A small tmpfs mounted for one test, to fill up for real and grow again: for
// the full-disk tests of the terminal's store and head office (root only).
#pragma once

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace feedback::testing {

class SmallFilesystem {
public:
    // Mounts a tmpfs of `size` ("4m") at `at` (made if missing), mode 0700.
    SmallFilesystem(std::filesystem::path at, const std::string& size) : m_path(std::move(at))
    {
        std::filesystem::create_directories(m_path);
        const std::string options = "size=" + size + ",mode=0700";
        if (::mount("tmpfs", m_path.c_str(), "tmpfs", 0, options.c_str()) != 0)
            throw std::runtime_error("cannot mount a tmpfs at " + m_path.string() + ": " + std::strerror(errno));
    }
    // Unmounted even while files in it are still open (they keep it until closed).
    ~SmallFilesystem() { ::umount2(m_path.c_str(), MNT_DETACH); }
    SmallFilesystem(const SmallFilesystem&) = delete;
    SmallFilesystem& operator=(const SmallFilesystem&) = delete;

    const std::filesystem::path& path() const { return m_path; }

    // Grows (or shrinks) it in place; what is in it stays.
    void resize(const std::string& size)
    {
        const std::string options = "size=" + size;
        if (::mount("tmpfs", m_path.c_str(), "tmpfs", MS_REMOUNT, options.c_str()) != 0)
            throw std::runtime_error("cannot resize the tmpfs at " + m_path.string() + ": " + std::strerror(errno));
    }

    // Writes zeros to `file` in it until the file system is full; the bytes written.
    int64_t fill(const std::filesystem::path& file)
    {
        int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
            throw std::runtime_error("cannot make " + file.string() + ": " + std::strerror(errno));
        const std::string zeros(65536, '\0');
        int64_t written = 0;
        for (;;) {
            ssize_t wrote = ::write(fd, zeros.data(), zeros.size());
            if (wrote > 0) {
                written += wrote;
                continue;
            }
            if (wrote < 0 && errno == EINTR)
                continue;
            break; // ENOSPC: full
        }
        ::close(fd);
        return written;
    }

    int64_t free_bytes() const
    {
        struct statvfs info {};
        if (::statvfs(m_path.c_str(), &info) != 0)
            return -1;
        return static_cast<int64_t>(info.f_bavail) * static_cast<int64_t>(info.f_frsize);
    }

private:
    std::filesystem::path m_path;
};

} // namespace feedback::testing
