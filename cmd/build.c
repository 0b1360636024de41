/* ccontainer build: options, progress lines, exit codes.
 *
 * Output follows podman: "STEP N/M: INSTRUCTION" (with "[S/T] " in front
 * for multi-stage builds), RUN output as it comes, " ---> Using cache" and
 * " ---> ID" per step, then COMMIT, "Successfully tagged NAME" and the
 * image ID alone on the last line.  -q prints only the ID (RUN output is
 * kept and shown only when the build fails).
 *
 * Exit status: a RUN that fails makes build exit with that RUN's status,
 * as podman does (docker exits 1); any other failure is 125.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/build.h"
#include "cmd.h"
#include "net.h"

#define MAX_TAGS 64
#define MAX_ARGS 256

struct build_ui {
	bool quiet;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void familiar(const char *name, char *out, size_t outlen)
{
	const char *colon = strrchr(name, ':');
	size_t rl = colon && !strchr(colon, '/') ? (size_t)(colon - name) : strlen(name);
	_cleanup_free_ char *repo = strndup(name, rl);
	_cleanup_free_ char *fam = repo ? cc_ref_familiar_repo(repo) : NULL;
	snprintf(out, outlen, "%s%s", fam ? fam : name, name + rl);
}

static const char *hex12(const char *id, char out[13])
{
	const char *c = id ? strchr(id, ':') : NULL;
	snprintf(out, 13, "%.12s", c ? c + 1 : (id ? id : ""));
	return out;
}

static void on_event(const struct cc_build_event *ev, void *data)
{
	struct build_ui *ui = data;
	char sid[13], name[512];
	if (ev->kind == CC_BUILD_EV_WARNING) {
		cmd_warnf("%s", ev->text);
		return;
	}
	if (ui->quiet)
		return;
	switch (ev->kind) {
	case CC_BUILD_EV_STEP: {
		if (ev->n_stages > 1)
			printf("[%zu/%zu] ", ev->stage, ev->n_stages);
		_cleanup_free_ char *safe = cc_safe_text(ev->text);
		printf("STEP %zu/%zu: %s\n", ev->step, ev->n_steps, safe ? safe : "");
		break;
	}
	case CC_BUILD_EV_CACHED:
		printf(" ---> Using cache\n");
		break;
	case CC_BUILD_EV_DONE:
		printf(" ---> %s\n", hex12(ev->image_id, sid));
		break;
	case CC_BUILD_EV_COMMIT:
		if (ev->text) {
			familiar(ev->text, name, sizeof(name));
			printf("COMMIT %s\n", name);
		} else {
			printf("COMMIT\n");
		}
		printf("--> %s\n", hex12(ev->image_id, sid));
		break;
	case CC_BUILD_EV_TAGGED:
		familiar(ev->text, name, sizeof(name));
		printf("Successfully tagged %s\n", name);
		break;
	default:
		break;
	}
	/* RUN writes to our stdout directly: what we printed goes first */
	fflush(stdout);
}

static int pull_cb(struct cc_store *s, const char *ref, const char *platform, char **ret_id, void *data,
		   cc_error **err)
{
	const struct cc_build_options *o = data;
	struct cc_pull_options po = { .platform = platform, .jobs = 3, .tls_verify = o->tls_verify };
	struct cc_pull_result res;
	bool quiet = o->event_data && ((struct build_ui *)o->event_data)->quiet;
	if (cmd_do_pull(s, ref, &po, quiet, &res, err) < 0)
		return -1;
	*ret_id = steal_ptr(&res.image_id);
	cc_pull_result_release(&res);
	return 0;
}

static int net_attach(pid_t pid, const char *id, const char *hosts_file, const char *hostname, void *data,
		      cc_error **err)
{
	return cmd_net_build_attach(data, id, pid, hosts_file, hostname, err);
}

static void net_detach(const char *id, void *data)
{
	cc_error *e = NULL;
	if (cmd_net_build_detach(data, id, &e) < 0) {
		/* the next sweep (cc_net_gc) retries once this process is gone */
		cmd_warnf("release the RUN step's network: %s", e->msg);
		cc_error_free(e);
	}
}

static int usage(void)
{
	printf("Usage: ccontainer build [OPTIONS] CONTEXT\n\n"
	       "Build an image from a Containerfile (or Dockerfile) and a context directory.\n\n"
	       "Options:\n"
	       "  -t, --tag NAME          name the image (repeatable)\n"
	       "  -f, --file FILE         the recipe (default CONTEXT/Containerfile, else\n"
	       "                          CONTEXT/Dockerfile; - reads stdin)\n"
	       "      --build-arg K[=V]   set a build argument (V from the environment if omitted)\n"
	       "      --target STAGE      build up to this stage\n"
	       "      --no-cache          do not reuse cached steps\n"
	       "      --tls-verify=false  pull base images without TLS verification\n"
	       "      --network MODE      RUN steps' network: bridge (default: an address of\n"
	       "                          their own, as docker), host or none\n"
	       "  -q, --quiet             print only the image ID\n"
	       "\nRUN steps are isolated as `run` is (capabilities, seccomp, devices, masks,\n"
	       "a cgroup of their own).  A failed RUN makes build exit with its status (as\n"
	       "podman does); other errors exit 125.\n");
	return 0;
}

int cmd_build(int argc, char **argv)
{
	enum { O_ARG = 1000, O_TARGET, O_NOCACHE, O_TLS, O_HELP, O_PULL, O_LAYERS, O_FORMAT, O_NETWORK };
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "file", required_argument, NULL, 'f' },
		{ "build-arg", required_argument, NULL, O_ARG },
		{ "target", required_argument, NULL, O_TARGET },
		{ "no-cache", no_argument, NULL, O_NOCACHE },
		{ "tls-verify", optional_argument, NULL, O_TLS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "layers", optional_argument, NULL, O_LAYERS },
		{ "network", required_argument, NULL, O_NETWORK },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	char *tags[MAX_TAGS + 1] = { NULL }, *args[MAX_ARGS + 1] = { NULL };
	size_t n_tags = 0, n_args = 0;
	struct build_ui ui = { 0 };
	struct cc_build_options o = { .tls_verify = true, .output_fd = -1, .network = CC_NET_BRIDGE };
	int c;
	while ((c = getopt_long(argc, argv, "+:t:f:q", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (n_tags == MAX_TAGS)
				return cmd_failf(EXIT_CC_ERROR, "too many -t options (limit %d)", MAX_TAGS);
			tags[n_tags++] = optarg;
			break;
		case 'f': o.file = optarg; break;
		case O_ARG:
			if (n_args == MAX_ARGS)
				return cmd_failf(EXIT_CC_ERROR, "too many --build-arg options (limit %d)", MAX_ARGS);
			if (optarg[0] == '=' || optarg[0] == '\0')
				return cmd_failf(EXIT_CC_ERROR, "invalid --build-arg '%s': expected NAME[=VALUE]", optarg);
			args[n_args++] = optarg;
			break;
		case O_TARGET: o.target = optarg; break;
		case O_NOCACHE: o.no_cache = true; break;
		case O_TLS: o.tls_verify = cmd_parse_bool(optarg, true); break;
		case O_LAYERS: break; /* podman's --layers: caching is always on */
		case O_NETWORK:
			if (strcmp(optarg, "bridge") == 0 || strcmp(optarg, "default") == 0)
				o.network = CC_NET_BRIDGE;
			else if (strcmp(optarg, "host") == 0)
				o.network = CC_NET_HOST;
			else if (strcmp(optarg, "none") == 0)
				o.network = CC_NET_NONE;
			else
				return cmd_failf(EXIT_CC_ERROR, "invalid --network '%s': expected bridge, host or none",
						 optarg);
			break;
		case 'q': ui.quiet = true; break;
		case O_HELP: return usage();
		default: return cmd_bad_flag(c, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_failf(EXIT_CC_ERROR, "\"build\" requires exactly 1 argument: ccontainer build [OPTIONS] CONTEXT");
	o.context = argv[optind];
	o.tags = tags;
	o.build_args = args;
	o.event = on_event;
	o.event_data = &ui;
	o.pull = pull_cb;
	o.pull_data = &o;
	o.cancel = &interrupted;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	o.net_attach = net_attach;
	o.net_detach = net_detach;
	o.net_data = s;
	/* -q: RUN output kept aside, shown only if the build fails */
	_cleanup_close_ int logfd = -1;
	if (ui.quiet) {
		logfd = open(cc_store_root(s), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (logfd < 0) {
			cc_store_close(s);
			return cmd_failf(EXIT_CC_ERROR, "create a temporary file in '%s': %s", cc_store_root(s), strerror(errno));
		}
		o.output_fd = logfd;
	}
	/* Ctrl-C between steps stops the build cleanly; during a RUN the
	 * runtime forwards it to the container instead */
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	struct cc_build_result res;
	cc_error *e = NULL;
	int rc = cc_build(s, &o, &res, &e);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	cc_store_close(s);
	if (rc < 0) {
		if (logfd >= 0 && lseek(logfd, 0, SEEK_SET) == 0) {
			char buf[8192];
			ssize_t n;
			fflush(stdout);
			while ((n = read(logfd, buf, sizeof(buf))) > 0)
				if (cc_write_all(STDERR_FILENO, buf, (size_t)n) < 0)
					break;
		}
		int code = res.run_status > 0 ? res.run_status : EXIT_CC_ERROR;
		return cmd_fail(e, code);
	}
	const char *hex = strchr(res.image_id, ':');
	printf("%s\n", hex ? hex + 1 : res.image_id);
	cc_build_result_release(&res);
	return 0;
}

CMD_LEGACY_VERB(cmd_build_verb, "build", "[OPTIONS] PATH", "Build an image from a Containerfile", cmd_build);
