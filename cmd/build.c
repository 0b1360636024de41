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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/build.h"
#include "cmd.h"
#include "network/network.h"


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
	return cc_network_build_attach(data, id, pid, hosts_file, hostname, err);
}

static void net_detach(const char *id, void *data)
{
	cc_error *e = NULL;
	if (cc_network_build_detach(data, id, &e) < 0) {
		/* the next sweep (cc_network_gc) retries once this process is gone */
		cmd_warnf("release the RUN step's network: %s", e->msg);
		cc_error_free(e);
	}
}

struct build_cli {
	struct cmd_strv tags, args;
	const char *file, *target, *network, *format;
	bool no_cache, tls_verify, quiet, layers, pull, rm, force_rm, push;
};

static const struct cmd_opt build_options[] = {
	OPT_LIST(0, "build-arg", struct build_cli, args, "list", "Set a build argument (K[=V]; V from the environment if omitted)"),
	OPT_STRING('f', "file", struct build_cli, file, "string",
		   "The recipe (default CONTEXT/Containerfile, else CONTEXT/Dockerfile; - reads stdin)", .complete = CMD_COMPLETE_FILE),
	OPT_BOOL(0, "force-rm", struct build_cli, force_rm, "Always remove intermediate containers (they always are)"),
	OPT_STRING(0, "format", struct build_cli, format, "string", "Image format: oci or docker", .def = "oci",
		   .complete = CMD_COMPLETE_WORDS, .words = "oci docker"),
	OPT_BOOL(0, "layers", struct build_cli, layers, "Cache intermediate layers (always on)", .def = "true", .flags = CMD_OPT_HIDDEN),
	OPT_STRING(0, "network", struct build_cli, network, "string",
		   "RUN steps' network: bridge (an address of their own, as docker), host or none", .def = "bridge",
		   .complete = CMD_COMPLETE_WORDS, .words = "bridge host none"),
	OPT_BOOL(0, "no-cache", struct build_cli, no_cache, "Do not reuse cached steps"),
	OPT_BOOL(0, "pull", struct build_cli, pull, "Always attempt to pull a newer version of the image (accepted; base images are pulled when missing)"),
	OPT_BOOL(0, "push", struct build_cli, push, "Push the -t tags once built (docker buildx's --push)"),
	OPT_BOOL('q', "quiet", struct build_cli, quiet, "Suppress the build output and print image ID on success"),
	OPT_BOOL(0, "rm", struct build_cli, rm, "Remove intermediate containers after a successful build (always)", .def = "true"),
	OPT_LIST('t', "tag", struct build_cli, tags, "list", "Name and optionally a tag in the \"name:tag\" format (repeatable)"),
	OPT_STRING(0, "target", struct build_cli, target, "string", "Set the target build stage to build"),
	OPT_BOOL(0, "tls-verify", struct build_cli, tls_verify, "Pull base images with TLS verification", .def = "true"),
	OPT_END,
};

static int build_action(void *opts, int argc, char **argv)
{
	struct build_cli *cli = opts;
	struct build_ui ui = { .quiet = cli->quiet };
	struct cc_build_options o = { .tls_verify = cli->tls_verify, .output_fd = -1, .network = CC_NET_BRIDGE,
				      .file = cli->file, .target = cli->target, .no_cache = cli->no_cache };
	(void)argc;
	for (size_t i = 0; i < cli->args.n; i++)
		if (cli->args.v[i][0] == '=' || cli->args.v[i][0] == '\0')
			return cmd_usagef("invalid --build-arg '%s': expected NAME[=VALUE]", cli->args.v[i]);
	if (strcmp(cli->network, "bridge") == 0 || strcmp(cli->network, "default") == 0)
		o.network = CC_NET_BRIDGE;
	else if (strcmp(cli->network, "host") == 0)
		o.network = CC_NET_HOST;
	else if (strcmp(cli->network, "none") == 0)
		o.network = CC_NET_NONE;
	else
		return cmd_usagef("invalid --network '%s': expected bridge, host or none", cli->network);
	if (strcmp(cli->format, "docker") == 0)
		o.docker_format = true;
	else if (strcmp(cli->format, "oci") != 0)
		return cmd_usagef("unrecognized image type \"%s\": expected oci or docker", cli->format);
	if (cli->push && cli->tags.n == 0)
		return cmd_usagef("--push needs at least one -t NAME:TAG");
	static char *const none[] = { NULL };
	o.context = argv[0];
	o.tags = cli->tags.n ? (char *const *)cli->tags.v : none;
	o.build_args = cli->args.n ? (char *const *)cli->args.v : none;
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
	/* docker has no build event: its builder tags the image, a tag event
	 * per name */
	for (size_t i = 0; rc == 0 && i < cli->tags.n; i++) {
		struct cc_ref *ref = NULL;
		if (cc_ref_parse(cli->tags.v[i], &ref, NULL) == 0) {
			_cleanup_free_ char *name = cc_ref_string(ref);
			_cleanup_free_ char *fam = name != NULL ? cmd_familiar_ref(name) : NULL;
			if (fam != NULL)
				cmd_image_event(s, "tag", res.image_id, fam);
		}
		cc_ref_free(ref);
	}
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
	/* build --push: each -t tag, as push would */
	if (cli->push) {
		fflush(stdout);
		struct cc_store *ps = cmd_open_store();
		if (ps == NULL)
			return EXIT_CC_ERROR;
		struct cc_push_options po = { .jobs = 3, .tls_verify = cli->tls_verify };
		for (size_t i = 0; rc == 0 && i < cli->tags.n; i++) {
			_cleanup_strv_ char **cands = cc_ref_candidates(cli->tags.v[i]);
			rc = cmd_push_image(ps, cli->tags.v[i], cands && cands[0] ? cands[0] : cli->tags.v[i], &po, ui.quiet,
					    NULL);
		}
		cc_store_close(ps);
		return rc;
	}
	return 0;
}

const struct cmd_verb cmd_build_verb = {
	.name = "build",
	.usage = "[OPTIONS] PATH",
	.summary = "Build an image from a Containerfile",
	.description = "RUN steps are isolated as `run` is (capabilities, seccomp, devices, masks, a cgroup of their own).\n"
		       "A failed RUN makes build exit with its status (as podman does); other errors exit 1.",
	.opts = build_options,
	.opts_size = sizeof(struct build_cli),
	.min_args = 1,
	.max_args = 1,
	.complete_args = CMD_COMPLETE_DIR,
	.action = build_action,
};
