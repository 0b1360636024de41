/* Seccomp: docker-format profiles, compiled with libseccomp in the caller's
 * process (the child is a copy of it and only loads the finished program:
 * no allocation, no libseccomp state after clone).
 *
 * The compiled program is libseccomp's, with runc's ENOSYS prologue in
 * front: per architecture, a syscall number above the highest one the
 * profile names returns ENOSYS instead of the default EPERM.  A libc that
 * tries a syscall newer than the profile (clone3, fchmodat2, ...) then falls
 * back to the old one, as on an older kernel, instead of treating EPERM as
 * final (moby#42680).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "security-internal.h"

#include <errno.h>
#include <jansson.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util/util.h"

#define PROFILE_MAX (4 * 1024 * 1024)
#define X32_SYSCALL_BIT 0x40000000U

/* The native arch as docker's profiles spell it (Go's GOARCH). */
#if defined(__x86_64__)
#define NATIVE_ARCH "amd64"
#elif defined(__aarch64__)
#define NATIVE_ARCH "arm64"
#elif defined(__i386__)
#define NATIVE_ARCH "x86"
#elif defined(__arm__)
#define NATIVE_ARCH "arm"
#elif defined(__s390x__)
#define NATIVE_ARCH "s390x"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ARCH "ppc64le"
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH "riscv64"
#else
#define NATIVE_ARCH "unknown"
#endif

static const struct {
	const char *name;
	uint32_t token;
} arch_names[] = {
	{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },
	{ "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
	{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },
	{ "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
	{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
	{ "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
	{ "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
	{ "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
	{ "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
	{ "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
	{ "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
	{ "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
	{ "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
	{ "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
	{ "SCMP_ARCH_S390", SCMP_ARCH_S390 },
	{ "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
	{ "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
	{ "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
	{ "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
};

static const struct {
	const char *name;
	int op;
} op_names[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },       { "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },       { "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },       { "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* --- parsing ------------------------------------------------------------ */

struct parser {
	const char *source;
	struct cc_rt_sc_profile *p;
	cc_error **err;
};

static int bad(struct parser *ps, const char *fmt, const char *what)
{
	cc_error_setk(ps->err, CC_ERR_INVALID, 0, fmt, what);
	int r = cc_error_prefix(ps->err, "seccomp profile '%s'", ps->source);
	return r < 0 ? r : -EINVAL;
}

static void *own(struct parser *ps, size_t size)
{
	void **list = realloc(ps->p->owned, (ps->p->n_owned + 1) * sizeof(void *));
	if (list == NULL)
		return NULL;
	ps->p->owned = list;
	void *m = calloc(1, size);
	if (m != NULL)
		list[ps->p->n_owned++] = m;
	return m;
}

static int parse_action(struct parser *ps, const char *s, int errno_ret, uint32_t *ret)
{
	static const struct {
		const char *name;
		uint32_t action;
	} actions[] = {
		{ "SCMP_ACT_KILL", SCMP_ACT_KILL },
		{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
		{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
		{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
		{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
		{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
	};
	if (strcmp(s, "SCMP_ACT_ERRNO") == 0) {
		*ret = SCMP_ACT_ERRNO((uint32_t)errno_ret);
		return 0;
	}
	if (strcmp(s, "SCMP_ACT_TRACE") == 0) {
		*ret = SCMP_ACT_TRACE((uint32_t)errno_ret);
		return 0;
	}
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(s, actions[i].name) == 0) {
			*ret = actions[i].action;
			return 0;
		}
	}
	if (strcmp(s, "SCMP_ACT_NOTIFY") == 0)
		return bad(ps, "action '%s' is not supported", s);
	return bad(ps, "unknown action '%s'", s);
}

static int parse_arch(struct parser *ps, const char *s, uint32_t *ret)
{
	for (size_t i = 0; i < sizeof(arch_names) / sizeof(arch_names[0]); i++) {
		if (strcmp(s, arch_names[i].name) == 0) {
			*ret = arch_names[i].token;
			return 0;
		}
	}
	return bad(ps, "unknown architecture '%s'", s);
}

static int add_arch(struct parser *ps, uint32_t arch)
{
	struct cc_rt_sc_profile *p = ps->p;
	for (size_t i = 0; i < p->n_arches; i++)
		if (p->arches[i] == arch)
			return 0;
	if (p->n_arches >= sizeof(p->arches) / sizeof(p->arches[0]))
		return bad(ps, "%s", "too many architectures");
	p->arches[p->n_arches++] = arch;
	return 0;
}

static int parse_arches(struct parser *ps, json_t *root)
{
	json_t *v, *list = json_object_get(root, "architectures");
	size_t i;
	uint32_t arch = 0;
	int r;
	if (list != NULL && !json_is_array(list) && !json_is_null(list))
		return bad(ps, "%s", "'architectures' must be an array");
	json_array_foreach(list, i, v) {
		if (!json_is_string(v))
			return bad(ps, "%s", "'architectures' must hold strings");
		if ((r = parse_arch(ps, json_string_value(v), &arch)) < 0 || (r = add_arch(ps, arch)) < 0)
			return r;
	}
	/* archMap: only the entry of the native arch counts, with the
	 * arches the native one also runs */
	json_t *map = json_object_get(root, "archMap");
	if (map != NULL && !json_is_array(map) && !json_is_null(map))
		return bad(ps, "%s", "'archMap' must be an array");
	uint32_t native = seccomp_arch_native();
	json_array_foreach(map, i, v) {
		const char *name = json_string_value(json_object_get(v, "architecture"));
		if (name == NULL)
			return bad(ps, "%s", "an 'archMap' entry has no 'architecture'");
		if ((r = parse_arch(ps, name, &arch)) < 0)
			return r;
		if (arch != native)
			continue;
		if ((r = add_arch(ps, arch)) < 0)
			return r;
		json_t *sub, *subs = json_object_get(v, "subArchitectures");
		size_t j;
		json_array_foreach(subs, j, sub) {
			if (!json_is_string(sub))
				return bad(ps, "%s", "'subArchitectures' must hold strings");
			if ((r = parse_arch(ps, json_string_value(sub), &arch)) < 0 ||
			    (r = add_arch(ps, arch)) < 0)
				return r;
		}
	}
	return 0;
}

/* NULL-terminated array of the strings in a JSON array (pointing into it). */
static int string_list(struct parser *ps, json_t *v, const char *what, const char *const **ret)
{
	if (v == NULL || json_is_null(v)) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_array(v))
		return bad(ps, "'%s' must be an array of strings", what);
	size_t n = json_array_size(v);
	const char **list = own(ps, (n + 1) * sizeof(char *));
	if (list == NULL)
		return cc_error_set(ps->err, ENOMEM, "parse seccomp profile");
	for (size_t i = 0; i < n; i++) {
		list[i] = json_string_value(json_array_get(v, i));
		if (list[i] == NULL)
			return bad(ps, "'%s' must be an array of strings", what);
	}
	*ret = list;
	return 0;
}

/* includes/excludes: {caps, arches, minKernel} */
static int parse_filter(struct parser *ps, json_t *v, bool include, struct cc_rt_sc_rule *r)
{
	const char *what = include ? "includes" : "excludes";
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return bad(ps, "'%s' must be an object", what);
	const char *const *caps = NULL, *const *arches = NULL;
	int rr;
	if ((rr = string_list(ps, json_object_get(v, "caps"), "caps", &caps)) < 0 ||
	    (rr = string_list(ps, json_object_get(v, "arches"), "arches", &arches)) < 0)
		return rr;
	for (const char *const *c = caps; c != NULL && *c != NULL; c++) {
		int cap = cc_rt_cap_from_name(*c);
		if (cap < 0 && include)
			r->never = true; /* docker compares names: nobody holds it */
		else if (cap >= 0 && include)
			r->caps_include |= UINT64_C(1) << cap;
		else if (cap >= 0)
			r->caps_exclude |= UINT64_C(1) << cap;
	}
	if (include)
		r->arches_include = arches;
	else
		r->arches_exclude = arches;
	json_t *mk = json_object_get(v, "minKernel");
	if (mk != NULL && !json_is_null(mk)) {
		if (!json_is_string(mk))
			return bad(ps, "%s", "'minKernel' must be a string");
		if (include)
			r->min_kernel = json_string_value(mk);
	}
	return 0;
}

static int parse_args(struct parser *ps, json_t *v, struct cc_rt_sc_rule *r)
{
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return bad(ps, "%s", "'args' must be an array");
	if (json_array_size(v) > CC_RT_SC_MAX_ARGS)
		return bad(ps, "%s", "a rule has more than 6 'args'");
	size_t i;
	json_t *a;
	json_array_foreach(v, i, a) {
		json_t *idx = json_object_get(a, "index"), *val = json_object_get(a, "value"),
		       *two = json_object_get(a, "valueTwo"), *op = json_object_get(a, "op");
		if (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
		    json_integer_value(idx) >= CC_RT_SC_MAX_ARGS)
			return bad(ps, "%s", "an argument 'index' must be 0 to 5");
		if (!json_is_integer(val) || (two != NULL && !json_is_integer(two)))
			return bad(ps, "%s", "an argument 'value' must be an integer");
		struct cc_rt_sc_arg *arg = &r->args[r->n_args++];
		arg->index = (unsigned)json_integer_value(idx);
		arg->value = (uint64_t)json_integer_value(val);
		arg->value_two = two != NULL ? (uint64_t)json_integer_value(two) : 0;
		const char *ops = json_string_value(op);
		size_t k = 0;
		while (ops != NULL && k < sizeof(op_names) / sizeof(op_names[0]) &&
		       strcmp(ops, op_names[k].name) != 0)
			k++;
		if (ops == NULL || k == sizeof(op_names) / sizeof(op_names[0]))
			return bad(ps, "unknown argument operator '%s'", ops != NULL ? ops : "(none)");
		arg->op = op_names[k].op;
	}
	return 0;
}

static int parse_rule(struct parser *ps, json_t *v, struct cc_rt_sc_rule *r)
{
	int rr;
	if (!json_is_object(v))
		return bad(ps, "%s", "'syscalls' must hold objects");
	json_t *names = json_object_get(v, "names"), *name = json_object_get(v, "name");
	if (names != NULL) {
		if ((rr = string_list(ps, names, "names", &r->names)) < 0)
			return rr;
	} else if (json_is_string(name)) { /* the old format: one name per rule */
		const char **list = own(ps, 2 * sizeof(char *));
		if (list == NULL)
			return cc_error_set(ps->err, ENOMEM, "parse seccomp profile");
		list[0] = json_string_value(name);
		r->names = list;
	}
	if (r->names == NULL)
		return bad(ps, "%s", "a rule has no 'names'");
	json_t *er = json_object_get(v, "errnoRet");
	if (er != NULL && !json_is_null(er) &&
	    (!json_is_integer(er) || json_integer_value(er) < 0 || json_integer_value(er) > 4095))
		return bad(ps, "%s", "'errnoRet' must be an errno number");
	r->errno_ret = er != NULL && json_is_integer(er) ? (int)json_integer_value(er) : -1;
	const char *action = json_string_value(json_object_get(v, "action"));
	if (action == NULL)
		return bad(ps, "%s", "a rule has no 'action'");
	if ((rr = parse_action(ps, action, r->errno_ret >= 0 ? r->errno_ret : EPERM, &r->action)) < 0 ||
	    (rr = parse_args(ps, json_object_get(v, "args"), r)) < 0 ||
	    (rr = parse_filter(ps, json_object_get(v, "includes"), true, r)) < 0 ||
	    (rr = parse_filter(ps, json_object_get(v, "excludes"), false, r)) < 0)
		return rr;
	return 0;
}

static int parse(struct parser *ps, json_t *root)
{
	struct cc_rt_sc_profile *p = ps->p;
	int r;
	if (!json_is_object(root))
		return bad(ps, "%s", "not a JSON object");
	json_t *de = json_object_get(root, "defaultErrnoRet");
	if (de != NULL && !json_is_null(de) &&
	    (!json_is_integer(de) || json_integer_value(de) < 0 || json_integer_value(de) > 4095))
		return bad(ps, "%s", "'defaultErrnoRet' must be an errno number");
	p->default_errno = json_is_integer(de) ? (int)json_integer_value(de) : EPERM;
	const char *da = json_string_value(json_object_get(root, "defaultAction"));
	if (da == NULL)
		return bad(ps, "%s", "no 'defaultAction'");
	if ((r = parse_action(ps, da, p->default_errno, &p->default_action)) < 0 ||
	    (r = parse_arches(ps, root)) < 0)
		return r;
	json_t *sc = json_object_get(root, "syscalls");
	if (sc != NULL && !json_is_array(sc) && !json_is_null(sc))
		return bad(ps, "%s", "'syscalls' must be an array");
	size_t n = json_array_size(sc);
	struct cc_rt_sc_rule *rules = own(ps, (n + 1) * sizeof(*rules));
	if (rules == NULL)
		return cc_error_set(ps->err, ENOMEM, "parse seccomp profile");
	for (size_t i = 0; i < n; i++)
		if ((r = parse_rule(ps, json_array_get(sc, i), &rules[i])) < 0)
			return r;
	p->rules = rules;
	p->n_rules = n;
	return 0;
}

int cc_rt_sc_profile_parse(const char *text, size_t len, const char *source,
			   struct cc_rt_sc_profile *ret, cc_error **err)
{
	struct cc_rt_sc_profile p = { 0 };
	struct parser ps = { .source = source, .p = &p, .err = err };
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "seccomp profile '%s': line %d: %s", source,
				     je.line, je.text);
	p.json = root;
	int r = parse(&ps, root);
	if (r < 0) {
		cc_rt_sc_profile_release(&p);
		return r;
	}
	*ret = p;
	return 0;
}

int cc_rt_sc_profile_load(const char *path, struct cc_rt_sc_profile *ret, cc_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = cc_read_file(path, PROFILE_MAX, &text, &len, err);
	if (r < 0) {
		if (err != NULL && *err != NULL)
			(*err)->kind = CC_ERR_INVALID;
		return cc_error_prefix(err, "seccomp profile");
	}
	return cc_rt_sc_profile_parse(text, len, path, ret, err);
}

void cc_rt_sc_profile_release(struct cc_rt_sc_profile *p)
{
	if (p == NULL)
		return;
	void **owned = p->owned;
	for (size_t i = 0; i < p->n_owned; i++)
		free(owned[i]);
	free(owned);
	json_decref(p->json);
	*p = (struct cc_rt_sc_profile){ 0 };
}

/* --- compiling ---------------------------------------------------------- */

static bool in_list(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* "6.18.44-foo" -> 6 * 1000 + 18 */
static int version_code(const char *s)
{
	unsigned major = 0, minor = 0;
	if (sscanf(s, "%u.%u", &major, &minor) < 1)
		return -1;
	return (int)(major * 1000 + minor);
}

static bool rule_applies(const struct cc_rt_sc_rule *r, uint64_t caps, int kernel)
{
	if (r->never || (caps & r->caps_include) != r->caps_include || (caps & r->caps_exclude))
		return false;
	if (r->arches_include != NULL && !in_list(r->arches_include, NATIVE_ARCH))
		return false;
	if (r->arches_exclude != NULL && in_list(r->arches_exclude, NATIVE_ARCH))
		return false;
	if (r->min_kernel != NULL && kernel >= 0 && kernel < version_code(r->min_kernel))
		return false;
	return true;
}

static int add_rule(scmp_filter_ctx ctx, const struct cc_rt_sc_rule *r, uint32_t action,
		    int nr, const char *name, cc_error **err)
{
	struct scmp_arg_cmp cmp[CC_RT_SC_MAX_ARGS];
	for (size_t i = 0; i < r->n_args; i++)
		cmp[i] = (struct scmp_arg_cmp){ .arg = r->args[i].index,
						.op = (enum scmp_compare)r->args[i].op,
						.datum_a = r->args[i].value,
						.datum_b = r->args[i].value_two };
	/* libseccomp takes one comparison per argument: several on the same
	 * argument are alternatives, one rule each (as runc does) */
	bool dup = false;
	for (size_t i = 0; i < r->n_args; i++)
		for (size_t j = i + 1; j < r->n_args; j++)
			dup |= r->args[i].index == r->args[j].index;
	int rr;
	if (!dup) {
		rr = seccomp_rule_add_array(ctx, action, nr, (unsigned)r->n_args, cmp);
	} else {
		rr = 0;
		for (size_t i = 0; i < r->n_args && rr == 0; i++)
			rr = seccomp_rule_add_array(ctx, action, nr, 1, &cmp[i]);
	}
	if (rr < 0)
		return cc_error_setk(err, CC_ERR_INVALID, -rr, "seccomp rule for '%s'", name);
	return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_len,
		      cc_error **err)
{
	_cleanup_close_ int fd = memfd_create("ccontainer-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return cc_error_set(err, errno, "memfd for the seccomp program");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return cc_error_set(err, -r, "export the seccomp program");
	off_t size = lseek(fd, 0, SEEK_CUR);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 || size > 65536 * 8)
		return cc_error_set(err, EINVAL, "export the seccomp program: %lld bytes", (long long)size);
	struct sock_filter *f = malloc((size_t)size);
	if (f == NULL)
		return cc_error_set(err, ENOMEM, "export the seccomp program");
	if (pread(fd, f, (size_t)size, 0) != (ssize_t)size) {
		free(f);
		return cc_error_set(err, errno ? errno : EIO, "read the seccomp program");
	}
	*ret = f;
	*ret_len = (size_t)size / sizeof(struct sock_filter);
	return 0;
}

/* The kernel's view of an arch: x32 is x86_64's audit arch with bit 30 set
 * in the syscall number. */
struct stub_arch {
	uint32_t audit;
	uint32_t max;        /* highest number the profile names, 0: none */
	uint32_t x32_max;    /* x86_64 only: same for x32 numbers (with the bit) */
	bool x32;
};

static uint32_t max_syscall(const struct cc_rt_sc_profile *p, uint32_t arch)
{
	int max = -1;
	for (size_t i = 0; i < p->n_rules; i++)
		for (const char *const *n = p->rules[i].names; n != NULL && *n != NULL; n++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, *n);
			if (nr > max)
				max = nr;
		}
	return max > 0 ? (uint32_t)max : 0;
}

/* jt/jf are 8 bits: the prologue is short (at most 8 per arch). */
static size_t build_stub(const struct stub_arch *a, size_t n, struct sock_filter *out)
{
	/* first pass counts, second writes with the final offsets */
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += a[i].x32 ? 7 : 4;
	len += 2; /* ja prog; ret ENOSYS */
	size_t enosys = len - 1, prog = len, pc = 0;
#define AT(pc) (out != NULL ? &out[pc] : &(struct sock_filter){ 0 })
	*AT(pc) = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	pc++;
	for (size_t i = 0; i < n; i++) {
		size_t block = a[i].x32 ? 6 : 3;
		*AT(pc) = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a[i].audit, 0, (uint8_t)block);
		pc++;
		*AT(pc) = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		pc++;
		if (a[i].x32) {
			*AT(pc) = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 2, 0);
			pc++;
		}
		*AT(pc) = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, a[i].max,
						       (uint8_t)(enosys - pc - 1), 0);
		pc++;
		*AT(pc) = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)(prog - pc - 1));
		pc++;
		if (a[i].x32) {
			*AT(pc) = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, a[i].x32_max,
							       (uint8_t)(enosys - pc - 1), 0);
			pc++;
			*AT(pc) = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)(prog - pc - 1));
			pc++;
		}
	}
	*AT(pc) = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 1);
	pc++;
	*AT(pc) = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	pc++;
#undef AT
	return pc;
}

static size_t stub_arches(const struct cc_rt_sc_profile *p, struct stub_arch *out, size_t max)
{
	uint32_t list[17];
	size_t n = 0;
	list[n++] = seccomp_arch_native();
	for (size_t i = 0; i < p->n_arches && n < 17; i++)
		if (p->arches[i] != list[0])
			list[n++] = p->arches[i];
	bool has_x32 = false;
	for (size_t i = 0; i < n; i++)
		has_x32 |= list[i] == SCMP_ARCH_X32;
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		if (list[i] == SCMP_ARCH_X32)
			continue; /* folded into x86_64's entry */
		struct stub_arch a = { .audit = list[i], .max = max_syscall(p, list[i]) };
		if (list[i] == SCMP_ARCH_X86_64 && has_x32) {
			a.x32 = true;
			a.x32_max = max_syscall(p, SCMP_ARCH_X32);
			if (a.x32_max == 0)
				a.x32_max = X32_SYSCALL_BIT;
		}
		if (a.max > 0)
			out[k++] = a;
	}
	return k;
}

int cc_rt_sc_compile(const struct cc_rt_sc_profile *p, uint64_t caps, void **ret_filter,
		     size_t *ret_len, cc_error **err)
{
	scmp_filter_ctx ctx = seccomp_init(p->default_action);
	if (ctx == NULL)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "seccomp: invalid default action");
	int r = 0;
	/* we load the program ourselves, libseccomp's NNP setting is moot */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < p->n_arches && r == 0; i++) {
		int ar = seccomp_arch_add(ctx, p->arches[i]);
		if (ar < 0 && ar != -EEXIST)
			r = cc_error_set(err, -ar, "seccomp: add architecture 0x%x", p->arches[i]);
	}
	struct utsname u;
	int kernel = uname(&u) == 0 ? version_code(u.release) : -1;
	for (size_t i = 0; i < p->n_rules && r == 0; i++) {
		const struct cc_rt_sc_rule *rule = &p->rules[i];
		/* a rule with the default action is a no-op libseccomp refuses */
		if (!rule_applies(rule, caps, kernel) || rule->action == p->default_action)
			continue;
		for (const char *const *n = rule->names; n != NULL && *n != NULL && r == 0; n++) {
			int nr = seccomp_syscall_resolve_name(*n);
			if (nr == __NR_SCMP_ERROR)
				continue; /* unknown to this libseccomp: ignored, as docker does */
			r = add_rule(ctx, rule, rule->action, nr, *n, err);
		}
	}
	struct sock_filter *prog = NULL;
	size_t prog_len = 0;
	if (r == 0)
		r = export_bpf(ctx, &prog, &prog_len, err);
	seccomp_release(ctx);
	if (r < 0)
		return r;

	/* The prologue only makes sense in front of a denying default. */
	struct stub_arch arches[17];
	size_t n_arches = 0;
	if (p->default_action != SCMP_ACT_ALLOW && p->default_action != SCMP_ACT_LOG)
		n_arches = stub_arches(p, arches, 17);
	size_t stub_len = n_arches > 0 ? build_stub(arches, n_arches, NULL) : 0;
	if (stub_len + prog_len > BPF_MAXINSNS) {
		free(prog);
		return cc_error_setk(err, CC_ERR_INVALID, E2BIG,
				     "seccomp program too long (%zu instructions, the kernel takes %d)",
				     stub_len + prog_len, BPF_MAXINSNS);
	}
	struct sock_filter *all = malloc((stub_len + prog_len) * sizeof(*all));
	if (all == NULL) {
		free(prog);
		return cc_error_set(err, ENOMEM, "seccomp program");
	}
	if (stub_len > 0)
		(void)build_stub(arches, n_arches, all);
	memcpy(all + stub_len, prog, prog_len * sizeof(*prog));
	free(prog);
	*ret_filter = all;
	*ret_len = stub_len + prog_len;
	return 0;
}

int cc_rt_sc_load(const void *filter, size_t len, cc_error **err)
{
	struct sock_fprog prog = { .len = (unsigned short)len, .filter = (struct sock_filter *)filter };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
		return 0;
	if (errno == ENOSYS && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == 0)
		return 0; /* FIXME: linux < 3.17 has only the prctl */
	return cc_error_set(err, errno, "load the seccomp filter");
}
