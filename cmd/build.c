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
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build/build.h"
#include "cmd.h"
#include "network/network.h"
#include "runtime/net.h"


struct build_ui {
	bool quiet;
	bool tar_stdout;   /* -o -: the tar is stdout's, nothing else is */
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

static int net_attach(pid_t pid, const char *id, const char *hosts_file, const char *hostname,
		      const char *extra_hosts, void *data, cc_error **err)
{
	return cc_network_build_attach(data, id, pid, hosts_file, hostname, extra_hosts, err);
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
	struct cmd_strv tags, args, labels, add_hosts, secrets, outputs, contexts;
	const char *file, *target, *network, *format, *pull, *iidfile, *platform, *timestamp;
	bool no_cache, tls_verify, quiet, layers, rm, force_rm, push;
};

/* --secret, --output, --build-context: parsed (lib/build/flags.c) */
struct build_parsed {
	struct cc_build_secret secrets[64];
	size_t n_secrets;
	struct cc_build_context contexts[64];
	size_t n_contexts;
	struct cc_build_output output;
	bool has_output;
};

static void parsed_release(struct build_parsed *p)
{
	for (size_t i = 0; i < p->n_secrets; i++)
		cc_build_secret_release(&p->secrets[i]);
	for (size_t i = 0; i < p->n_contexts; i++)
		cc_build_context_release(&p->contexts[i]);
	if (p->has_output)
		cc_build_output_release(&p->output);
	*p = (struct build_parsed){ 0 };
}

static int spec_fail(cc_error *e)
{
	int rc = cmd_usagef("%s", e->msg);
	cc_error_free(e);
	return rc;
}

static int parse_specs(const struct build_cli *cli, struct build_parsed *p, struct cc_build_options *o)
{
	cc_error *e = NULL;
	if (cli->secrets.n > 64 || cli->contexts.n > 64)
		return cmd_usagef("at most 64 --secret and 64 --build-context flags");
	for (size_t i = 0; i < cli->secrets.n; i++) {
		if (cc_build_secret_parse(cli->secrets.v[i], &p->secrets[p->n_secrets], &e) < 0)
			return spec_fail(e);
		p->n_secrets++;
		for (size_t j = 0; j + 1 < p->n_secrets; j++)
			if (strcmp(p->secrets[j].id, p->secrets[p->n_secrets - 1].id) == 0)
				return cmd_usagef("--secret: duplicate id '%s'", p->secrets[j].id);
	}
	for (size_t i = 0; i < cli->contexts.n; i++) {
		if (cc_build_context_parse(cli->contexts.v[i], &p->contexts[p->n_contexts], &e) < 0)
			return spec_fail(e);
		p->n_contexts++;
	}
	if (cli->outputs.n == 1) {
		if (cc_build_output_parse(cli->outputs.v[0], &p->output, &e) < 0)
			return spec_fail(e);
		p->has_output = true;
		o->output = &p->output;
	}
	o->secrets = p->secrets;
	o->n_secrets = p->n_secrets;
	o->contexts = p->contexts;
	o->n_contexts = p->n_contexts;
	return 0;
}

static const struct cmd_opt build_options[] = {
	OPT_LIST(0, "add-host", struct build_cli, add_hosts, "list", "Add a custom host-to-IP mapping (host:ip) for RUN steps"),
	OPT_LIST(0, "build-arg", struct build_cli, args, "list", "Set a build argument (K[=V]; V from the environment if omitted)"),
	OPT_LIST(0, "build-context", struct build_cli, contexts, "list",
		 "Additional build context (NAME=DIR or NAME=docker-image://REF) for COPY --from, RUN --mount from= and FROM"),
	OPT_STRING('f', "file", struct build_cli, file, "string",
		   "The recipe (default CONTEXT/Containerfile, else CONTEXT/Dockerfile; - reads stdin)", .complete = CMD_COMPLETE_FILE),
	OPT_BOOL(0, "force-rm", struct build_cli, force_rm, "Always remove intermediate containers (they always are)"),
	OPT_STRING(0, "format", struct build_cli, format, "string", "Image format: oci or docker", .def = "oci",
		   .complete = CMD_COMPLETE_WORDS, .words = "oci docker"),
	OPT_STRING(0, "iidfile", struct build_cli, iidfile, "string", "Write the image ID to the file", .complete = CMD_COMPLETE_FILE),
	OPT_LIST(0, "label", struct build_cli, labels, "list", "Set metadata for the image (KEY=VALUE)"),
	OPT_BOOL(0, "layers", struct build_cli, layers, "Cache intermediate layers (always on)", .def = "true", .flags = CMD_OPT_HIDDEN),
	OPT_STRING(0, "network", struct build_cli, network, "string",
		   "RUN steps' network: bridge (an address of their own, as docker), host or none", .def = "bridge",
		   .complete = CMD_COMPLETE_WORDS, .words = "bridge host none"),
	OPT_BOOL(0, "no-cache", struct build_cli, no_cache, "Do not reuse cached steps"),
	OPT_LIST('o', "output", struct build_cli, outputs, "list",
		 "Also write the result's filesystem: type=local,dest=DIR, type=tar,dest=FILE, DIR, or - (a tar on stdout)"),
	OPT_STRING(0, "platform", struct build_cli, platform, "string", "Target platform (only this machine's: no cross-builds)"),
	OPT_STRING(0, "pull", struct build_cli, pull, "string",
		   "Pull base images: always, missing (default) or never; a bare --pull is always", .def = "missing",
		   .flags = CMD_OPT_BARE_TRUE, .complete = CMD_COMPLETE_WORDS, .words = "always missing never"),
	OPT_BOOL(0, "push", struct build_cli, push, "Push the -t tags once built (docker buildx's --push)"),
	OPT_BOOL('q', "quiet", struct build_cli, quiet, "Suppress the build output and print image ID on success"),
	OPT_BOOL(0, "rm", struct build_cli, rm, "Remove intermediate containers after a successful build (always)", .def = "true"),
	OPT_LIST(0, "secret", struct build_cli, secrets, "list",
		 "A secret for RUN --mount=type=secret: id=ID,src=FILE or id=ID,env=VAR (never stored in the image)"),
	OPT_LIST('t', "tag", struct build_cli, tags, "list", "Name and optionally a tag in the \"name:tag\" format (repeatable)"),
	OPT_STRING(0, "target", struct build_cli, target, "string", "Set the target build stage to build"),
	OPT_STRING(0, "timestamp", struct build_cli, timestamp, "seconds",
		   "Reproducible output: clamp file times in new layers and set the config's dates to these seconds since the epoch (default: $SOURCE_DATE_EPOCH)"),
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
	if (strcmp(cli->pull, "always") == 0 || strcmp(cli->pull, "true") == 0)
		o.pull_policy = CC_BUILD_PULL_ALWAYS;
	else if (strcmp(cli->pull, "missing") == 0 || strcmp(cli->pull, "false") == 0 || strcmp(cli->pull, "ifmissing") == 0)
		o.pull_policy = CC_BUILD_PULL_MISSING;
	else if (strcmp(cli->pull, "never") == 0)
		o.pull_policy = CC_BUILD_PULL_NEVER;
	else
		return cmd_usagef("invalid --pull '%s': expected always, missing or never", cli->pull);
	if (cli->platform && cli->platform[0]) {
		struct cc_platform pf;
		cc_platform_host(&pf);
		char host[100], hostv[100];
		snprintf(host, sizeof(host), "%s/%s", pf.os, pf.arch);
		snprintf(hostv, sizeof(hostv), "%s/%s%s%s", pf.os, pf.arch, pf.variant[0] ? "/" : "", pf.variant);
		if (strcmp(cli->platform, host) != 0 && strcmp(cli->platform, hostv) != 0 && strcmp(cli->platform, pf.arch) != 0)
			return cmd_usagef("--platform %s: only this machine's platform (%s) can be built: cross-builds are not supported",
					  cli->platform, hostv);
	}
	for (size_t i = 0; i < cli->labels.n; i++)
		if (cli->labels.v[i][0] == '=' || cli->labels.v[i][0] == '\0')
			return cmd_usagef("invalid --label '%s': expected KEY=VALUE", cli->labels.v[i]);
	/* --timestamp, else SOURCE_DATE_EPOCH (the environment, or a build arg) */
	o.timestamp = -1;
	const char *ts = cli->timestamp;
	for (size_t i = 0; ts == NULL && i < cli->args.n; i++)
		if (strncmp(cli->args.v[i], "SOURCE_DATE_EPOCH=", 18) == 0)
			ts = cli->args.v[i] + 18;
	if (ts == NULL && getenv("SOURCE_DATE_EPOCH") && getenv("SOURCE_DATE_EPOCH")[0])
		ts = getenv("SOURCE_DATE_EPOCH");
	if (ts) {
		char *end;
		errno = 0;
		long long v = strtoll(ts, &end, 10);
		if (*ts == '\0' || *end || errno || v < 0 || v > 253402300799LL)
			return cmd_usagef("invalid timestamp '%s': expected seconds since the epoch", ts);
		o.timestamp = v;
	}
	for (size_t i = 0; i < cli->add_hosts.n; i++) {
		char line[1024];
		cc_error *he = NULL;
		if (cc_net_parse_add_host(cli->add_hosts.v[i], NULL, line, sizeof(line), &he) < 0) {
			int rc = cmd_usagef("invalid --add-host '%s': %s", cli->add_hosts.v[i], he->msg);
			cc_error_free(he);
			return rc;
		}
	}
	if (cli->push && cli->tags.n == 0)
		return cmd_usagef("--push needs at least one -t NAME:TAG");
	static char *const none[] = { NULL };
	if (cli->outputs.n > 1)
		return cmd_usagef("--output: only one output is supported");
	struct build_parsed parsed = { 0 };
	int prc = parse_specs(cli, &parsed, &o);
	if (prc != 0) {
		parsed_release(&parsed);
		return prc;
	}
	if (o.output && strcmp(o.output->dest, "-") == 0) {
		/* the tar owns stdout: progress and RUN output go to stderr */
		ui.quiet = true;
		ui.tar_stdout = true;
	}
	o.labels = cli->labels.n ? (char *const *)cli->labels.v : NULL;
	o.add_hosts = cli->add_hosts.n ? (char *const *)cli->add_hosts.v : NULL;
	o.context = argv[0];
	o.tags = cli->tags.n ? (char *const *)cli->tags.v : none;
	o.build_args = cli->args.n ? (char *const *)cli->args.v : none;
	o.event = on_event;
	o.event_data = &ui;
	o.pull = pull_cb;
	o.pull_data = &o;
	o.cancel = &interrupted;
	struct cc_store *s = cmd_open_store();
	if (s == NULL) {
		parsed_release(&parsed);
		return EXIT_CC_ERROR;
	}
	o.net_attach = net_attach;
	o.net_detach = net_detach;
	o.net_data = s;
	/* -q: RUN output kept aside, shown only if the build fails */
	_cleanup_close_ int logfd = -1;
	if (ui.tar_stdout) {
		o.output_fd = STDERR_FILENO;
	} else if (ui.quiet) {
		logfd = open(cc_store_root(s), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (logfd < 0) {
			int en = errno;
			cmd_failf(EXIT_CC_ERROR, "create a temporary file in '%s': %s", cc_store_root(s), strerror(en));
			cc_store_close(s);
			parsed_release(&parsed);
			return EXIT_CC_ERROR;
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
	parsed_release(&parsed);
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
	if (cli->iidfile) {
		/* docker writes the ID with its algorithm, without a newline */
		cc_error *ie = NULL;
		if (cc_write_file(cli->iidfile, res.image_id, strlen(res.image_id), 0644, &ie) < 0) {
			cc_build_result_release(&res);
			return cmd_fail(ie, EXIT_CC_ERROR);
		}
	}
	if (!ui.tar_stdout)
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

/* ---- builder prune ---------------------------------------------------------- */

struct builder_prune_cli {
	bool force, all;
};

static const struct cmd_opt builder_prune_options[] = {
	OPT_BOOL('a', "all", struct builder_prune_cli, all,
		 "Remove all build cache: the step cache too (its images are then for image prune)"),
	OPT_BOOL('f', "force", struct builder_prune_cli, force, "Do not prompt for confirmation"),
	OPT_END,
};

/* RUN --mount=type=cache directories live in cache/build-mounts until
 * this removes them, under the store's exclusive lock (a build holds it
 * shared: prune waits for running builds).  The directory is renamed away
 * first, so what is left is either the whole cache or none of it. */
static int builder_prune_action(void *opts, int argc, char **argv)
{
	struct builder_prune_cli *cli = opts;
	(void)argc;
	(void)argv;
	if (!cli->force && !cmd_confirm(cli->all ? "This will remove all build cache: cache mounts and the step cache."
						 : "This will remove all build cache mounts (RUN --mount=type=cache)."))
		return 0;
	struct cc_store *s = cmd_open_store();
	if (s == NULL)
		return EXIT_CC_ERROR;
	cc_error *e = NULL;
	_cleanup_free_ char *dir = NULL, *gone = NULL;
	if (asprintf(&dir, "%s/cache/build-mounts", cc_store_root(s)) < 0 ||
	    asprintf(&gone, "%s/tmp/build-mounts-pruned-%d", cc_store_root(s), (int)getpid()) < 0) {
		cc_store_close(s);
		return cmd_failf(EXIT_CC_ERROR, "out of memory");
	}
	if (cc_store_lock(s, true, &e) < 0) {
		cc_store_close(s);
		return cmd_fail(e, EXIT_CC_ERROR);
	}
	size_t n = 0;
	int rc = 0;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.' && !strstr(de->d_name, ".lock"))
				n++;
		closedir(d);
		if (rename(dir, gone) < 0 || cc_rm_rf(gone, &e) < 0) {
			if (e == NULL)
				cc_error_set(&e, errno, "remove '%s'", dir);
			rc = cmd_fail(e, EXIT_CC_ERROR);
		}
	} else if (errno != ENOENT) {
		rc = cmd_failf(EXIT_CC_ERROR, "read '%s': %s", dir, strerror(errno));
	}
	int64_t entries = 0;
	if (rc == 0 && cli->all && cc_store_cache_clear(s, &entries, &e) < 0)
		rc = cmd_fail(e, EXIT_CC_ERROR);
	cc_store_unlock(s);
	cc_store_close(s);
	if (rc == 0)
		printf("Deleted build cache mounts: %zu\n", n);
	if (rc == 0 && cli->all)
		printf("Deleted build cache entries: %lld\n", (long long)entries);
	return rc;
}

const struct cmd_verb cmd_builder_prune_verb = {
	.name = "prune",
	.usage = "[OPTIONS]",
	.summary = "Remove build cache (RUN --mount=type=cache directories)",
	.opts = builder_prune_options,
	.opts_size = sizeof(struct builder_prune_cli),
	.max_args = 0,
	.action = builder_prune_action,
};
