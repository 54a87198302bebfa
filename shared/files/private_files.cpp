// Private folders and files on POSIX calls, so that modes are set on the
// file descriptor that was opened (no window in which a file is readable by
// others, no symbolic link followed by a chmod).
#include "files/private_files.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace feedback::files {

namespace {

constexpr mode_t group_and_other_bits = 077;

Error io_error(int error_number, const std::string& what)
{
    return Error{error_number == ENOSPC || error_number == EDQUOT ? ErrorKind::disk_full : ErrorKind::io,
                 what + ": " + std::strerror(error_number)};
}

// Whether an entry inside the folder that belongs to another user is skipped.
// The folder's own 0700 already keeps everyone else out of it, and a file
// left by a run as root must not stop the kiosk from opening its store.
enum class OtherOwner { refuse, skip };

// Takes group's and others' bits off one folder or regular file. It is
// opened without following a link and changed through its descriptor, so a
// link swapped in after the lstat() cannot redirect the chmod.
Result<void> tighten_entry(const std::filesystem::path& path, OtherOwner other_owner)
{
    struct stat seen {};
    if (::lstat(path.c_str(), &seen) != 0)
        return errno == ENOENT ? Result<void>{} : io_error(errno, "cannot read the mode of " + path.string());
    if ((!S_ISDIR(seen.st_mode) && !S_ISREG(seen.st_mode)) || (seen.st_mode & group_and_other_bits) == 0)
        return {};
    if (other_owner == OtherOwner::skip && seen.st_uid != ::geteuid() && ::geteuid() != 0)
        return {};
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? Result<void>{} : io_error(errno, "cannot open " + path.string() + " to make it private");
    struct stat opened {};
    int error_number = 0;
    if (::fstat(fd, &opened) != 0)
        error_number = errno;
    else if ((S_ISDIR(opened.st_mode) || S_ISREG(opened.st_mode)) && ::fchmod(fd, opened.st_mode & 07700) != 0)
        error_number = errno;
    ::close(fd);
    if (error_number != 0)
        return io_error(error_number, "cannot make " + path.string() + " readable by its owner only (chmod go-rwx)");
    return {};
}

Result<void> write_all(int fd, std::string_view bytes, const std::filesystem::path& file)
{
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0)
            return io_error(wrote < 0 ? errno : EIO, "cannot write " + file.string());
        done += static_cast<size_t>(wrote);
    }
    return {};
}

// Syncs the folder `file` is in, so that a rename or a new name in it is on
// disk. Best effort: some file systems cannot sync a folder.
void sync_folder_of(const std::filesystem::path& file)
{
    auto folder = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
    int dir_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

} // namespace

Result<void> make_private_directory(const std::filesystem::path& given)
{
    // "shots/" names the folder "shots", not an empty name inside it.
    const auto dir = given.has_filename() ? given : given.parent_path();
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec))
        return {};
    if (dir.has_parent_path() && dir.parent_path() != dir) {
        std::filesystem::create_directories(dir.parent_path(), ec);
        if (ec)
            return Error{ErrorKind::io, "cannot make " + dir.parent_path().string() + ": " + ec.message()};
    }
    if (::mkdir(dir.c_str(), 0700) != 0) {
        if (errno == EEXIST && std::filesystem::is_directory(dir, ec))
            return {}; // made by someone else meanwhile: theirs to set
        return io_error(errno, "cannot make " + dir.string());
    }
    // mkdir's mode passes through the umask; a strict one may leave less than 0700.
    if (::chmod(dir.c_str(), 0700) != 0)
        return io_error(errno, "cannot set the mode of " + dir.string());
    return {};
}

Result<void> tighten_private_directory(const std::filesystem::path& dir)
{
    FEEDBACK_TRY(tighten_entry(dir, OtherOwner::refuse));
    std::error_code ec;
    std::filesystem::recursive_directory_iterator it(dir, std::filesystem::directory_options::none, ec);
    for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        FEEDBACK_TRY(tighten_entry(it->path(), OtherOwner::skip));
    if (ec && ec != std::errc::no_such_file_or_directory)
        return Error{ErrorKind::io, "cannot list " + dir.string() + " to make it private: " + ec.message()};
    return {};
}

Result<void> create_private_file(const std::filesystem::path& file)
{
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? Result<void>{} : io_error(errno, "cannot create " + file.string());
    // O_CREAT's mode passes through the umask; set it exactly.
    bool set = ::fchmod(fd, 0600) == 0;
    int error_number = errno;
    ::close(fd);
    if (!set)
        return io_error(error_number, "cannot set the mode of " + file.string());
    return {};
}

Result<void> write_private_file(const std::filesystem::path& file, std::string_view bytes, Durability durability)
{
    auto temp = file;
    temp += ".tmp";
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return io_error(errno, "cannot write " + temp.string());
    // O_CREAT's mode is only used for a new file: a temporary file left by an
    // older version keeps its mode unless it is set here.
    auto written = ::fchmod(fd, 0600) == 0 ? write_all(fd, bytes, temp)
                                            : io_error(errno, "cannot set the mode of " + temp.string());
    if (written && durability == Durability::synced && ::fsync(fd) != 0)
        written = io_error(errno, "cannot write " + temp.string() + " to disk");
    if (::close(fd) != 0 && written)
        written = io_error(errno, "cannot write " + temp.string());
    if (written && std::rename(temp.c_str(), file.c_str()) != 0)
        written = io_error(errno, "cannot replace " + file.string());
    if (!written) {
        ::unlink(temp.c_str());
        return written;
    }
    if (durability == Durability::synced)
        sync_folder_of(file); // the rename is durable once the folder is synced
    return {};
}

Result<void> remove_durably(const std::filesystem::path& path)
{
    std::error_code error;
    std::filesystem::remove_all(path, error);
    if (error)
        return Error{ErrorKind::io, "cannot remove " + path.string() + ": " + error.message()};
    sync_folder_of(path);
    return {};
}

Result<void> durable_rename(const std::filesystem::path& from, const std::filesystem::path& to)
{
    int fd = ::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return io_error(errno, "cannot open " + from.string());
    bool synced = ::fsync(fd) == 0;
    int error_number = errno;
    ::close(fd);
    if (!synced)
        return io_error(error_number, "cannot write " + from.string() + " to disk");
    if (std::rename(from.c_str(), to.c_str()) != 0)
        return io_error(errno, "cannot move " + from.string() + " to " + to.string());
    sync_folder_of(to);
    return {};
}

} // namespace feedback::files
