/* Layer streams (tar, gzip'd or zstd'd tar) unpacked as pull, load and
 * import do, into a fresh directory per input, with the containment rules
 * checked from outside: next to the layer's directory lies "outside/"
 * with a file and a directory, and after every input (unpacked or
 * refused) that directory must hold exactly what it held, nothing else may
 * appear beside the layer's directory, and the file has no new hard link.
 * Tar entries that climb with "..", write through a symlink or hard-link
 * out are what the rules refuse; the seeds have each kind.
 *
 * Also: the diff ID of a stream that is not compressed is the sha256 of
 * the input itself, and every refusal carries a message.
 *
 * Two kinds of input: a stream as it is, or, starting with "#tar\n" or
 * "#tgz\n", a list of entries one a line that the harness writes as a
 * (gzip'd) tar first, so that mutations change names, types and link
 * targets rather than checksums (libarchive is not instrumented):
 *
 *   f NAME [DATA]   regular file        l NAME TARGET   symlink
 *   d NAME          directory           h NAME TARGET   hard link
 *   c NAME MAJ MIN  character device    x NAME KEY VAL  directory with an xattr
 *
 * No root needed.  Run as root, the unpacking happens with the
 * filesystem identity of nobody (setfsuid), so that an escape the fuzzer
 * finds can reach only world-writable places, never the host's files.
 * Every file is capped at 1 MiB (RLIMIT_FSIZE; a bigger write fails) and
 * an input at 64 KiB: decompressed layers are not bounded otherwise yet,
 * and a fuzzer makes gzip bombs. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "image/image.h"
#include "util/dl.h"
#include "util/util.h"

#define TAR_MAX_INPUT (64 * 1024)
#define NOBODY 65534

static char base[256];
static bool as_nobody;
static unsigned long counter;

static void cleanup(void)
{
	if (as_nobody) {
		setfsuid(0);
		setfsgid(0);
	}
	cc_rm_rf(base, NULL);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	cc_error *e = NULL;
	if (cc_dl_archive(&e) < 0) {
		fprintf(stderr, "fuzz-tar: %s\n", e->msg);
		exit(1);
	}
	/* a tmpfs when there is one: unpacking is all inode churn */
	const char *tmp = getenv("FUZZ_TMPDIR");
	if (tmp == NULL || *tmp == '\0')
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	snprintf(base, sizeof(base), "%s/cc-fuzz-tar-XXXXXX", tmp);
	if (mkdtemp(base) == NULL) {
		perror("fuzz-tar: mkdtemp");
		exit(1);
	}
	atexit(cleanup);
	if (geteuid() == 0) {
		if (chown(base, NOBODY, NOBODY) < 0) {
			perror("fuzz-tar: chown");
			exit(1);
		}
		as_nobody = true;
	}
	struct rlimit rl = { 1 << 20, 1 << 20 };
	if (setrlimit(RLIMIT_FSIZE, &rl) < 0) {
		perror("fuzz-tar: setrlimit");
		exit(1);
	}
	signal(SIGXFSZ, SIG_IGN);
	return 0;
}

struct membuf {
	uint8_t *p;
	size_t len, cap;
};

static la_ssize_t mem_write(struct archive *a, void *data, const void *buf, size_t n)
{
	(void)a;
	struct membuf *m = data;
	if (m->len + n > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;
		while (m->len + n > cap)
			cap *= 2;
		uint8_t *np = realloc(m->p, cap);
		if (np == NULL)
			abort();
		m->p = np;
		m->cap = cap;
	}
	memcpy(m->p + m->len, buf, n);
	m->len += n;
	return (la_ssize_t)n;
}

/* The next space-separated word of a line (NULL at its end). */
static char *word(char **line)
{
	char *w = *line;
	while (*w == ' ')
		w++;
	if (*w == '\0')
		return NULL;
	char *e = strchr(w, ' ');
	if (e) {
		*e = '\0';
		*line = e + 1;
	} else {
		*line = w + strlen(w);
	}
	return w;
}

/* "#tar\n" / "#tgz\n" + entries: the tar they describe, in out. */
static void entries_to_tar(const uint8_t *data, size_t size, bool gzip, struct membuf *out)
{
	char *text = fuzz_cstr(data, size);
	struct archive *a = archive_write_new();
	FUZZ_CHECK(a != NULL);
	archive_write_set_format_pax_restricted(a);
	if (gzip)
		archive_write_add_filter_gzip(a);
	archive_write_set_bytes_in_last_block(a, 1);
	FUZZ_CHECK(archive_write_open(a, out, NULL, mem_write, NULL) == ARCHIVE_OK);
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *rest = line;
		char *type = word(&rest), *name = word(&rest);
		if (type == NULL || name == NULL)
			continue;
		struct archive_entry *e = archive_entry_new();
		FUZZ_CHECK(e != NULL);
		archive_entry_set_pathname(e, name);
		archive_entry_set_mtime(e, 1000, 0);
		archive_entry_set_perm(e, 0755);
		const char *arg = word(&rest);
		const char *body = NULL;
		switch (type[0]) {
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, arg ? arg : "");
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, arg ? arg : "");
			break;
		case 'c':
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_rdevmajor(e, arg ? (unsigned)atoi(arg) : 0);
			arg = word(&rest);
			archive_entry_set_rdevminor(e, arg ? (unsigned)atoi(arg) : 0);
			break;
		case 'x': {
			archive_entry_set_filetype(e, AE_IFDIR);
			const char *val = word(&rest);
			if (arg)
				archive_entry_xattr_add_entry(e, arg, val ? val : "", val ? strlen(val) : 0);
			break;
		}
		default:
			archive_entry_set_filetype(e, AE_IFREG);
			body = arg ? arg : "";
			archive_entry_set_size(e, (la_int64_t)strlen(body));
			break;
		}
		if (archive_write_header(a, e) == ARCHIVE_OK && body && *body)
			archive_write_data(a, body, strlen(body));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	free(text);
}

static void identity(bool nobody)
{
	if (!as_nobody)
		return;
	/* per thread, and unpacking happens in this one */
	setfsgid(nobody ? NOBODY : 0);
	setfsuid(nobody ? NOBODY : 0);
	FUZZ_CHECK((uid_t)setfsuid((uid_t)-1) == (nobody ? NOBODY : 0));
}

static void mkdir_or_die(const char *p)
{
	if (mkdir(p, 0755) < 0) {
		fprintf(stderr, "fuzz-tar: mkdir %s: %m\n", p);
		abort();
	}
}

/* The names in dir, which must be exactly want (sorted, NULL-terminated). */
static void expect_entries(const char *dir, const char *const *want)
{
	DIR *d = opendir(dir);
	FUZZ_CHECK(d != NULL);
	size_t n = 0, nwant = 0;
	while (want[nwant])
		nwant++;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		bool known = false;
		for (size_t i = 0; i < nwant; i++)
			known |= strcmp(de->d_name, want[i]) == 0;
		if (!known) {
			fprintf(stderr, "fuzz-tar: containment broken: '%s' appeared in %s\n", de->d_name, dir);
			abort();
		}
		n++;
	}
	closedir(d);
	if (n != nwant) {
		fprintf(stderr, "fuzz-tar: containment broken: %s lost an entry\n", dir);
		abort();
	}
}

static void check_outside(const char *in)
{
	char p[600], buf[16];
	struct stat st;
	expect_entries(in, (const char *const[]){ "layer", "outside", NULL });
	snprintf(p, sizeof(p), "%s/layer", in);
	FUZZ_CHECK(lstat(p, &st) == 0 && S_ISDIR(st.st_mode));
	snprintf(p, sizeof(p), "%s/outside", in);
	FUZZ_CHECK(lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755);
	expect_entries(p, (const char *const[]){ "victim", "dir", NULL });
	snprintf(p, sizeof(p), "%s/outside/dir", in);
	FUZZ_CHECK(lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755);
	expect_entries(p, (const char *const[]){ NULL });
	snprintf(p, sizeof(p), "%s/outside/victim", in);
	FUZZ_CHECK(lstat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644);
	if (st.st_nlink != 1) {
		fprintf(stderr, "fuzz-tar: containment broken: a hard link to outside/victim was made\n");
		abort();
	}
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	FUZZ_CHECK(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	FUZZ_CHECK(n == 5 && memcmp(buf, "keep\n", 5) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > TAR_MAX_INPUT)
		return 0;
	struct membuf built = { 0 };
	bool list_tar = size >= 5 && memcmp(data, "#tar\n", 5) == 0;
	bool list_tgz = size >= 5 && memcmp(data, "#tgz\n", 5) == 0;
	if (list_tar || list_tgz) {
		entries_to_tar(data + 5, size - 5, list_tgz, &built);
		data = built.p;
		size = built.len;
	}
	char in[512], layer[600], p[600];
	snprintf(in, sizeof(in), "%s/%lu", base, counter++);
	identity(true);
	mkdir_or_die(in);
	snprintf(layer, sizeof(layer), "%s/layer", in);
	mkdir_or_die(layer);
	snprintf(p, sizeof(p), "%s/outside", in);
	mkdir_or_die(p);
	snprintf(p, sizeof(p), "%s/outside/dir", in);
	mkdir_or_die(p);
	snprintf(p, sizeof(p), "%s/outside/victim", in);
	FUZZ_CHECK(cc_write_file(p, "keep\n", 5, 0644, NULL) == 0);

	int fd = memfd_create("layer", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0 && cc_write_all(fd, data, size) == 0 && lseek(fd, 0, SEEK_SET) == 0);
	char diff[72] = "";
	int64_t unpacked = -1;
	cc_error *e = NULL;
	int r = cc_layer_unpack_fd(fd, layer, diff, &unpacked, &e);
	close(fd);
	identity(false);
	if (r < 0) {
		FUZZ_CHECK(e != NULL && e->msg != NULL);
		if (getenv("FUZZ_VERBOSE")) /* what refused an input, when replaying by hand */
			fprintf(stderr, "fuzz-tar: %s\n", e->msg);
		cc_error_free(e);
	} else {
		FUZZ_CHECK(e == NULL && unpacked >= 0 && strlen(diff) == 71 && cc_str_has_prefix(diff, "sha256:"));
		bool gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
		bool zstd = size >= 4 && memcmp(data, "\x28\xb5\x2f\xfd", 4) == 0;
		if (!gzip && !zstd) {
			char want[72];
			cc_sha256_digest(data, size, want);
			FUZZ_CHECK(strcmp(diff, want) == 0);
		}
	}
	check_outside(in);
	if (cc_rm_rf(in, &e) < 0) {
		fprintf(stderr, "fuzz-tar: %s\n", e->msg);
		abort();
	}
	free(built.p);
	return 0;
}
