/* One declarative table per verb (git's parse-options): each flag's names,
 * type, target and help in one place.  The same tables yield the parser
 * (docker's rules, spf13/pflag), `--help`, `ccontainer help`, shell
 * completion (`completion`, `__complete`) and the man pages (`__man`).
 *
 * A verb declares a struct of its options and a table over it:
 *
 *	struct rm_opts { bool force; int64_t time; struct cmd_strv filter; };
 *	static const struct cmd_opt rm_options[] = {
 *		OPT_BOOL('f', "force", struct rm_opts, force, "Force the removal of a running container"),
 *		OPT_INT('t', "time", struct rm_opts, time, "seconds", "Seconds to wait before killing", .def = "10"),
 *		OPT_END,
 *	};
 *	const struct cmd_verb cmd_rm_verb = {
 *		.name = "rm", .usage = "[OPTIONS] CONTAINER [CONTAINER...]",
 *		.summary = "Remove one or more containers", .opts = rm_options,
 *		.opts_size = sizeof(struct rm_opts), .min_args = 1, .max_args = -1,
 *		.complete_args = CMD_COMPLETE_CONTAINER, .action = rm_action,
 *	};
 *
 * The parser zeroes the struct, applies each option's .def, then argv; the
 * action gets the struct and the positional arguments.  Strings point into
 * argv; lists are freed by the parser after the action. */
#ifndef CC_CMD_OPTIONS_H
#define CC_CMD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A repeated flag's values, in order (pointers into argv). */
struct cmd_strv {
	const char **v; /* NULL-terminated when n > 0 */
	size_t n;
};

enum cmd_opt_type {
	CMD_OPT_END = 0,
	CMD_OPT_BOOL,     /* bool: --x, --x=true|false, -x */
	CMD_OPT_STRING,   /* const char * */
	CMD_OPT_INT,      /* int64_t, decimal, may be negative */
	CMD_OPT_BYTES,    /* int64_t: 512, 10k, 64m, 1g (base 1024, docker's units) */
	CMD_OPT_DURATION, /* int64_t milliseconds: 10, 1.5s, 2m, 1h30m (a bare number is seconds) */
	CMD_OPT_LIST,     /* struct cmd_strv: each use appends */
	CMD_OPT_MAP,      /* struct cmd_strv of KEY=VALUE (or KEY: docker's labels) */
	CMD_OPT_CALLBACK, /* .cb(opts, arg): the verb parses the value itself */
};

/* What a flag's value or a verb's arguments complete to. */
enum cmd_complete {
	CMD_COMPLETE_NONE = 0,
	CMD_COMPLETE_FILE,
	CMD_COMPLETE_DIR,
	CMD_COMPLETE_CONTAINER,      /* any container's name */
	CMD_COMPLETE_RUNNING,        /* a running container's name */
	CMD_COMPLETE_IMAGE,          /* an image's name:tag */
	CMD_COMPLETE_WORDS,          /* .words */
};

#define CMD_OPT_HIDDEN 0x1 /* parsed, not shown (an old spelling, e.g. --net) */
#define CMD_OPT_MINUS_ONE 0x2 /* CMD_OPT_BYTES: "-1" is taken, as -1 (--memory-swap: unlimited) */
#define CMD_OPT_UNSET 0x4     /* CMD_OPT_INT, _BYTES, _DURATION without .def: CMD_INT_UNSET unless given */
#define CMD_OPT_BARE_TRUE 0x8 /* CMD_OPT_STRING: a bare --x (no "=") is "true" (pflag's NoOptDefVal; build --pull) */
#define CMD_INT_UNSET INT64_MIN

struct cmd_opt {
	enum cmd_opt_type type;
	char short_name;       /* 0: none */
	const char *long_name; /* without "--" */
	size_t offset;         /* of the target in the verb's options struct */
	const char *argname;   /* value's name in help ("string" when NULL) */
	const char *help;
	const char *def;       /* parsed into the target before argv; shown as (default X) */
	int (*cb)(void *opts, const char *arg); /* CMD_OPT_CALLBACK: 0, or an exit status (printed) */
	unsigned flags;
	enum cmd_complete complete;
	const char *words;     /* CMD_COMPLETE_WORDS: space-separated */
};

/* The target's type is checked at compile time: a table cannot write a
 * bool through an int64_t. */
#define CMD_OFFSET_(T, f, type) \
	(offsetof(T, f) + 0 * sizeof(char[__builtin_types_compatible_p(__typeof__(((T *)0)->f), type) ? 1 : -1]))
#define OPT_BOOL(s, l, T, f, h, ...) \
	{ .type = CMD_OPT_BOOL, .short_name = (s), .long_name = (l), .offset = CMD_OFFSET_(T, f, bool), .help = (h), __VA_ARGS__ }
#define OPT_STRING(s, l, T, f, a, h, ...)                                                                 \
	{ .type = CMD_OPT_STRING, .short_name = (s), .long_name = (l), .offset = CMD_OFFSET_(T, f, const char *), \
	  .argname = (a), .help = (h), __VA_ARGS__ }
#define OPT_INT(s, l, T, f, a, h, ...) \
	{ .type = CMD_OPT_INT, .short_name = (s), .long_name = (l), .offset = CMD_OFFSET_(T, f, int64_t), .argname = (a), .help = (h), __VA_ARGS__ }
#define OPT_BYTES(s, l, T, f, a, h, ...) \
	{ .type = CMD_OPT_BYTES, .short_name = (s), .long_name = (l), .offset = CMD_OFFSET_(T, f, int64_t), .argname = (a), .help = (h), __VA_ARGS__ }
#define OPT_DURATION(s, l, T, f, a, h, ...)                                                               \
	{ .type = CMD_OPT_DURATION, .short_name = (s), .long_name = (l), .offset = CMD_OFFSET_(T, f, int64_t), \
	  .argname = (a), .help = (h), __VA_ARGS__ }
#define OPT_LIST(s, l, T, f, a, h, ...)                                                                     \
	{ .type = CMD_OPT_LIST, .short_name = (s), .long_name = (l), .offset = CMD_OFFSET_(T, f, struct cmd_strv), \
	  .argname = (a), .help = (h), __VA_ARGS__ }
#define OPT_MAP(s, l, T, f, a, h, ...)                                                                     \
	{ .type = CMD_OPT_MAP, .short_name = (s), .long_name = (l), .offset = CMD_OFFSET_(T, f, struct cmd_strv), \
	  .argname = (a), .help = (h), __VA_ARGS__ }
#define OPT_CALLBACK(s, l, fn, a, h, ...) \
	{ .type = CMD_OPT_CALLBACK, .short_name = (s), .long_name = (l), .cb = (fn), .argname = (a), .help = (h), __VA_ARGS__ }
#define OPT_END { .type = CMD_OPT_END }

/* Verb flags */
#define CMD_VERB_STOP_AT_ARG 0x1 /* run, exec, create: flags end at the first positional */
#define CMD_VERB_HIDDEN 0x2      /* internal (__start): not listed, not completed */
#define CMD_VERB_RUNLIKE 0x4     /* 125/126/127 exit statuses; other verbs fail with 1 */
#define CMD_VERB_NO_STORE 0x8    /* never opens the store (help, version, completion) */

struct cmd_verb;
/* A name in a group (the top level, `container`, `image`, `system`) and the
 * verb it runs: `ps` and `container ls` are one verb. */
struct cmd_entry {
	const char *name;
	const struct cmd_verb *verb;
	bool alias; /* another spelling (`container list`): not listed in help */
};

struct cmd_verb {
	const char *name;    /* its own name, for its man page and `Aliases:` */
	const char *usage;   /* after the command path: "[OPTIONS] CONTAINER [CONTAINER...]" */
	const char *summary; /* one line */
	const char *description; /* optional paragraphs for help and the man page */
	const struct cmd_opt *opts;
	size_t opts_size;
	const char *const *without; /* long names of opts this verb does not take (NULL-terminated) */
	unsigned flags;
	int min_args, max_args; /* max -1: any */
	enum cmd_complete complete_args;
	const char *arg_words; /* CMD_COMPLETE_WORDS */
	int (*action)(void *opts, int argc, char **argv);
	const struct cmd_entry *sub; /* a group's verbs, {NULL}-terminated; action NULL */
};

/* The top-level group (main.c). */
extern const struct cmd_verb cmd_root_verb;

/* Parse argv (argv[0] is the verb's name) by v's table and run its action,
 * or print help.  path: the command path for messages ("ccontainer rm").
 * Returns the exit status. */
int cmd_verb_run(const struct cmd_verb *v, const char *path, int argc, char **argv);

/* The parser alone, for unit tests and the global options: fills opts,
 * collects positionals (*ret_args, free it; *ret_n).  Returns 0, 1 when help
 * was asked for (--help, -h), or an exit status after printing the error. */
int cmd_parse(const struct cmd_verb *v, const char *path, int argc, char **argv, void *opts, char ***ret_args,
	      int *ret_n);
/* Free the lists cmd_parse allocated in opts. */
void cmd_opts_release(const struct cmd_verb *v, void *opts);

/* Help, as docker prints it: usage, summary, aliases, options or commands. */
void cmd_print_help(const struct cmd_verb *v, const char *path, FILE *f);

/* Find a group's entry by name (exact). */
const struct cmd_entry *cmd_find_entry(const struct cmd_verb *group, const char *name);

/* Parse docker's values: 0 or an exit status after printing "invalid
 * argument ..." naming flag. */
int cmd_parse_bytes(const char *flag, const char *arg, int64_t *ret);
int cmd_parse_duration(const char *flag, const char *arg, int64_t *ret_ms);

/* docker's prune prompt: "WARNING! what\nAre you sure you want to continue?
 * [y/N] " on stderr; true when the answer read from stdin is y or yes. */
bool cmd_confirm(const char *what);

/* `ccontainer help`, `completion`, `__complete`, `__man` (options.c) */
extern const struct cmd_verb cmd_help_verb, cmd_completion_verb, cmd_complete_verb, cmd_man_verb;

#endif
