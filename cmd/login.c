/* login / logout: credentials in the auth file, mode 0600. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static const char *registry_arg(int argc, char **argv)
{
	return optind < argc ? argv[optind] : "docker.io";
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

int cmd_login(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "username", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "password-stdin", no_argument, NULL, 'S' },
		{ "tls-verify", optional_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *user = NULL, *pass = NULL;
	bool from_stdin = false, tls = true;
	int c;
	while ((c = getopt_long(argc, argv, "+:u:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': user = optarg; break;
		case 'p': pass = optarg; break;
		case 'S': from_stdin = true; break;
		case 'T': tls = cmd_parse_bool(optarg, true); break;
		case 'h':
			printf("Usage: ccontainer login [-u USER] [-p PASS | --password-stdin] [--tls-verify=false] [REGISTRY]\n");
			return 0;
		default: return cmd_bad_flag(c, argv);
		}
	}
	if (argc - optind > 1)
		return cmd_failf(EXIT_CC_ERROR, "\"login\" takes at most 1 argument");
	_cleanup_free_ char *domain = normalise_registry(registry_arg(argc, argv));
	char line[4096];
	_cleanup_free_ char *pw = NULL;
	if (from_stdin) {
		if (pass)
			return cmd_failf(EXIT_CC_ERROR, "--password and --password-stdin are mutually exclusive");
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

int cmd_logout(int argc, char **argv)
{
	int c;
	while ((c = getopt(argc, argv, "+:h")) != -1) {
		if (c == 'h') {
			printf("Usage: ccontainer logout [REGISTRY]\n");
			return 0;
		}
		return cmd_bad_flag(c, argv);
	}
	_cleanup_free_ char *domain = normalise_registry(registry_arg(argc, argv));
	cc_error *e = NULL;
	if (cc_auth_save(domain, NULL, NULL, NULL, &e) < 0)
		return cmd_fail(e, EXIT_CC_ERROR);
	printf("Removed login credentials for %s\n", domain);
	return 0;
}

CMD_LEGACY_VERB(cmd_login_verb, "login", "[OPTIONS] [SERVER]", "Log in to a registry", cmd_login);
CMD_LEGACY_VERB(cmd_logout_verb, "logout", "[SERVER]", "Log out from a registry", cmd_logout);
