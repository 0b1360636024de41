/* login / logout: credentials in the auth file, mode 0600. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static const char *registry_arg(int argc, char **argv)
{
	return argc > 0 ? argv[0] : "docker.io";
}

/* Accept "https://host/", "host", and docker's Hub aliases. */
static char *normalise_registry(const char *arg)
{
	const char *p = arg;
	if (cc_str_has_prefix(p, "https://"))
		p += 8;
	else if (cc_str_has_prefix(p, "http://"))
		p += 7;
	char *d = strdup(p);
	char *slash = d ? strchr(d, '/') : NULL;
	if (slash)
		*slash = '\0';
	if (d && (strcmp(d, "index.docker.io") == 0 || strcmp(d, "registry-1.docker.io") == 0)) {
		free(d);
		d = strdup("docker.io");
	}
	return d;
}

struct login_opts {
	const char *user, *pass, *authfile;
	bool from_stdin, tls;
};

static const struct cmd_opt login_options[] = {
	OPT_STRING('u', "username", struct login_opts, user, "string", "Username"),
	OPT_STRING('p', "password", struct login_opts, pass, "string", "Password"),
	OPT_BOOL(0, "password-stdin", struct login_opts, from_stdin, "Take the password from stdin"),
	OPT_BOOL(0, "tls-verify", struct login_opts, tls, "Require HTTPS and verify certificates", .def = "true"),
	OPT_STRING(0, "authfile", struct login_opts, authfile, "file", "Credentials file (as REGISTRY_AUTH_FILE)",
		   .complete = CMD_COMPLETE_FILE),
	OPT_END,
};

static int login_action(void *opts, int argc, char **argv)
{
	struct login_opts *o = opts;
	const char *user = o->user, *pass = o->pass;
	bool from_stdin = o->from_stdin, tls = o->tls;
	_cleanup_free_ char *domain = normalise_registry(registry_arg(argc, argv));
	char line[4096];
	_cleanup_free_ char *pw = NULL;
	if (o->authfile && setenv("REGISTRY_AUTH_FILE", o->authfile, 1) < 0)
		return cmd_failf(EXIT_CC_ERROR, "--authfile: %s", strerror(errno));
	if (from_stdin) {
		if (pass)
			return cmd_usagef("--password and --password-stdin are mutually exclusive");
		if (fgets(line, sizeof(line), stdin) == NULL)
			return cmd_failf(EXIT_CC_ERROR, "read password from standard input: no input");
		line[strcspn(line, "\r\n")] = '\0';
		pw = strdup(line);
		pass = pw;
	}
	if (user == NULL || pass == NULL)
		return cmd_failf(EXIT_CC_ERROR, "login needs a username and a password (-u USER and -p PASS or --password-stdin)");
	cc_error *e = NULL;
	if (cc_registry_login(domain, user, pass, tls, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	_cleanup_free_ char *path = NULL;
	if (cc_auth_save(domain, user, pass, &path, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	printf("Login Succeeded!\n");
	return 0;
}

struct logout_opts {
	const char *authfile;
};

static const struct cmd_opt logout_options[] = {
	OPT_STRING(0, "authfile", struct logout_opts, authfile, "file", "Credentials file (as REGISTRY_AUTH_FILE)",
		   .complete = CMD_COMPLETE_FILE),
	OPT_END,
};

static int logout_action(void *opts, int argc, char **argv)
{
	struct logout_opts *o = opts;
	if (o->authfile && setenv("REGISTRY_AUTH_FILE", o->authfile, 1) < 0)
		return cmd_failf(EXIT_CC_ERROR, "--authfile: %s", strerror(errno));
	_cleanup_free_ char *domain = normalise_registry(registry_arg(argc, argv));
	cc_error *e = NULL;
	if (cc_auth_save(domain, NULL, NULL, NULL, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	printf("Removed login credentials for %s\n", domain);
	return 0;
}

const struct cmd_verb cmd_login_verb = {
	.name = "login",
	.usage = "[OPTIONS] [SERVER]",
	.summary = "Log in to a registry",
	.opts = login_options,
	.opts_size = sizeof(struct login_opts),
	.min_args = 0,
	.max_args = 1,
	.action = login_action,
};
const struct cmd_verb cmd_logout_verb = {
	.name = "logout",
	.usage = "[OPTIONS] [SERVER]",
	.summary = "Log out from a registry",
	.opts = logout_options,
	.opts_size = sizeof(struct logout_opts),
	.min_args = 0,
	.max_args = 1,
	.action = logout_action,
};
