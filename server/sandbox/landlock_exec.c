/* reelkit-landlock: the Landlock layer under bubblewrap. `reelkit-landlock [WRITABLE_ROOT...] -- ARGV...`
 *
 * Runs inside the sandbox as bwrap's command: a Landlocked process may not change mounts, so the layer can
 * only be applied after bwrap has built them. Reads and execution stay allowed everywhere; writes only
 * beneath the writable roots (the ones bwrap binds read-write) and to a few device nodes. If the kernel
 * cannot enforce the rules it exits 126 and the command never runs. C, not Python, because it runs once
 * per command: it costs about a millisecond where a second interpreter start costs 10-30 ms.
 * Built by scripts/bootstrap into the virtualenv's bin directory (cc -O2 -o ... this file). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define REFUSED 126
#define READ_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* The rights that apply to a file (a directory right on a file rule is EINVAL). */
#define FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
                     (1ULL << 14) /* TRUNCATE */ | (1ULL << 15) /* IOCTL_DEV */)

static const char *devices[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/ptmx", "/dev/pts", NULL};

/* Every filesystem right the kernel's ABI knows: all are handled, so each is denied unless a rule grants it. */
static uint64_t handled_rights(long abi) {
    uint64_t rights = (1ULL << 13) - 1; /* ABI 1: execute .. make_sym */
    if (abi >= 2) rights |= 1ULL << 13; /* refer */
    if (abi >= 3) rights |= 1ULL << 14; /* truncate */
    if (abi >= 5) rights |= 1ULL << 15; /* ioctl_dev */
    return rights;
}

static int allow(int ruleset, const char *path, uint64_t rights) {
    struct stat st;
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) return 0; /* a path that does not exist grants nothing */
    if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) rights &= FILE_RIGHTS;
    struct landlock_path_beneath_attr rule = {.allowed_access = rights, .parent_fd = fd};
    int rc = (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

static int refuse(const char *what) {
    fprintf(stderr, "sandbox: refusing to run: %s failed: %s\n", what, strerror(errno));
    return REFUSED;
}

int main(int argc, char **argv) {
    int split = 1;
    while (split < argc && strcmp(argv[split], "--") != 0) split++;
    if (split >= argc - 1) {
        fprintf(stderr, "usage: reelkit-landlock [WRITABLE_ROOT...] -- ARGV...\n");
        return 2;
    }
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) return refuse("Landlock (not available in this kernel)");
    uint64_t handled = handled_rights(abi);
    struct landlock_ruleset_attr attr = {.handled_access_fs = handled};
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr.handled_access_fs), 0);
    if (ruleset < 0) return refuse("landlock_create_ruleset");
    if (allow(ruleset, "/", READ_RIGHTS | (handled & (1ULL << 15))) < 0) return refuse("landlock rule /");
    for (const char **dev = devices; *dev; dev++)
        if (allow(ruleset, *dev, handled & (FILE_RIGHTS | READ_RIGHTS)) < 0) return refuse(*dev);
    for (int i = 1; i < split; i++)
        if (allow(ruleset, argv[i], handled) < 0) return refuse(argv[i]);
    /* A file the command was given as stdin/stdout/stderr may be reopened (`echo > /dev/stderr` goes through
     * /proc/self/fd/2): as without this layer, it stays writable wherever it lives. */
    for (int fd = 0; fd <= 2; fd++) {
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        struct landlock_path_beneath_attr rule = {.allowed_access = handled & FILE_RIGHTS, .parent_fd = fd};
        if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0)
            return refuse("landlock rule for a standard stream");
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return refuse("prctl(NO_NEW_PRIVS)");
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) return refuse("landlock_restrict_self");
    close(ruleset);
    execv(argv[split + 1], argv + split + 1);
    fprintf(stderr, "sandbox: cannot run %s: %s\n", argv[split + 1], strerror(errno));
    return 127;
}
