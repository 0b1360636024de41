/* Instructions -> a plan of stages and fully resolved steps.
 *
 * Parse, then act: everything that can be wrong with a recipe is found
 * here, with its file and line, before the builder runs the first step:
 * unknown flags, arguments missing, stage references, variable syntax,
 * COPY sources absent from the context (or all ignored), several sources
 * into a non-directory.  The image config is simulated along the way
 * (Env, WorkingDir, User, Shell), so every step carries final values: the
 * builder only applies them.
 *
 * ARG scope, as docker has it: ARGs before the first FROM are "meta" args,
 * usable in FROM lines only; a stage sees an ARG from its declaration on,
 * with the --build-arg value, else its default, else the meta value of the
 * same name; ENV wins over ARG of the same name; ARG values are in RUN's
 * environment but not in the image.  TARGETPLATFORM, TARGETOS, TARGETARCH,
 * TARGETVARIANT and the BUILD* ones are predefined meta args; the proxy
 * variables (HTTP_PROXY ...) may be given without an ARG and go to RUN only.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-internal.h"

static void state_release(struct plan_state *s)
{
	cc_strvfreep(&s->env);
	cc_strvfreep(&s->args);
	free(s->workdir);
	free(s->user);
	cc_strvfreep(&s->shell);
	*s = (struct plan_state){ 0 };
}

static int state_copy(struct plan_state *d, const struct plan_state *s)
{
	*d = (struct plan_state){ .cmd_set = false };
	d->env = cc_strv_dup(s->env);
	d->args = calloc(1, sizeof(char *));
	d->workdir = strdup(s->workdir ? s->workdir : "");
	d->user = strdup(s->user ? s->user : "");
	d->shell = cc_strv_dup(s->shell);
	if (!d->env || !d->args || !d->workdir || !d->user || !d->shell) {
		state_release(d);
		return -ENOMEM;
	}
	return 0;
}

static bool valid_stage_name(const char *s)
{
	if (!isalpha((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

/* ---- stages --------------------------------------------------------------- */

struct raw_stage {
	size_t first, end;     /* instruction indexes: FROM at first, up to end */
	char *base;            /* expanded base name */
	char *platform;
	char *name;
	int base_stage;
	int *deps;             /* COPY --from stages */
	size_t n_deps;
};

static void raw_release(struct raw_stage *rs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rs[i].base);
		free(rs[i].platform);
		free(rs[i].name);
		free(rs[i].deps);
	}
	free(rs);
}

static int stage_by_name(struct raw_stage *rs, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++) {
		char idx[32];
		snprintf(idx, sizeof(idx), "%zu", i);
		if ((rs[i].name && strcasecmp(rs[i].name, v) == 0) || strcmp(idx, v) == 0)
			return (int)i;
	}
	return -1;
}

static void mark(struct raw_stage *rs, bool *needed, size_t i)
{
	if (needed[i])
		return;
	needed[i] = true;
	if (rs[i].base_stage >= 0)
		mark(rs, needed, (size_t)rs[i].base_stage);
	for (size_t d = 0; d < rs[i].n_deps; d++)
		mark(rs, needed, (size_t)rs[i].deps[d]);
}

/* The strings of a JSON array (others skipped), with room for `extra`
 * more; one allocation, since a config holds as many as its size allows
 * (pushing them one by one is quadratic).  NULL without memory. */
static char **strings_of(json_t *arr, size_t extra)
{
	size_t n = json_array_size(arr), k = 0;
	char **v = calloc(n + extra + 1, sizeof(char *));
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) {
		if (v == NULL || !json_is_string(e))
			continue;
		if ((v[k++] = strdup(json_string_value(e))) == NULL)
			cc_strvfreep(&v);
	}
	return v;
}

/* Base image state from its config JSON. */
static int state_from_config(const char *config, struct plan_state *s, char ***ret_onbuild)
{
	*s = (struct plan_state){ 0 };
	json_t *root = config ? json_loads(config, 0, NULL) : NULL;
	json_t *cfg = json_object_get(root, "config");
	s->env = strings_of(json_object_get(cfg, "Env"), 1);
	s->args = calloc(1, sizeof(char *));
	const char *wd = json_string_value(json_object_get(cfg, "WorkingDir"));
	const char *user = json_string_value(json_object_get(cfg, "User"));
	s->workdir = strdup(wd ? wd : "");
	s->user = strdup(user ? user : "");
	json_t *sh = json_object_get(cfg, "Shell");
	bool oom = false;
	if (json_is_array(sh) && json_array_size(sh) > 0) {
		s->shell = strings_of(sh, 0);
		oom = s->shell == NULL;
	}
	if (s->shell && s->shell[0] == NULL) /* no string in it: the default */
		cc_strvfreep(&s->shell);
	if (s->shell == NULL && !oom) {
		s->shell = calloc(3, sizeof(char *));
		if (s->shell) {
			s->shell[0] = strdup("/bin/sh");
			s->shell[1] = strdup("-c");
		}
	}
	/* scratch, or a base without PATH: BuildKit gives it the default PATH
	 * (strings_of left room for it) */
	if (s->env && cc_strv_getenv(s->env, "PATH", 4) == NULL) {
		size_t n = cc_strv_len(s->env);
		if ((s->env[n] = strdup(CC_BUILD_DEFAULT_PATH)) == NULL)
			cc_strvfreep(&s->env);
	}
	if (ret_onbuild) {
		json_t *ob = json_object_get(cfg, "OnBuild");
		*ret_onbuild = json_array_size(ob) ? strings_of(ob, 0) : NULL;
		if (json_array_size(ob) && *ret_onbuild == NULL)
			cc_strvfreep(&s->env); /* reported as no memory below */
	}
	json_decref(root);
	if (!s->env || !s->args || !s->workdir || !s->user || !s->shell || !s->shell[0]) {
		state_release(s);
		return -ENOMEM;
	}
	return 0;
}

static int add_step(struct cc_build_stage *st, struct cc_build_step **ret)
{
	struct cc_build_step *n = realloc(st->steps, (st->n_steps + 1) * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	st->steps = n;
	*ret = &st->steps[st->n_steps++];
	**ret = (struct cc_build_step){ .chmod = -1, .from_stage = -1, .network = -1 };
	return 0;
}

static int compile_stage(struct plan_ctx *c, struct raw_stage *rs, size_t idx)
{
	struct cc_build_stage *bs = &c->plan->stages[idx];
	struct plan_state s = { 0 };
	_cleanup_strv_ char **onbuild = NULL;
	int r = 0;
	const struct cc_instr *from = &c->r->instrs[rs[idx].first];
	if (rs[idx].base_stage >= 0) {
		r = state_copy(&s, &c->finals[rs[idx].base_stage]);
	} else if (strcasecmp(rs[idx].base, "scratch") == 0) {
		r = state_from_config(NULL, &s, NULL);
	} else {
		_cleanup_free_ char *config = NULL;
		cc_error *e = NULL;
		if (c->o->source.image == NULL ||
		    c->o->source.image(rs[idx].base, rs[idx].platform, &bs->base_id, &config, c->o->source.data, &e) < 0) {
			r = cc_recipe_error(c->err, c->r->file, from->line, "FROM %s: %s", rs[idx].base,
					    e ? e->msg : "no image source");
			cc_error_free(e);
			return r;
		}
		r = state_from_config(config, &s, &onbuild);
	}
	if (r < 0)
		return cc_error_set(c->err, ENOMEM, "plan");
	/* ONBUILD triggers of the base run first, as if written after FROM */
	struct cc_recipe *trig = NULL;
	if (onbuild && onbuild[0]) {
		size_t tl = 1;
		for (char **t = onbuild; *t; t++)
			tl += strlen(*t) + 1;
		_cleanup_free_ char *text = malloc(tl);
		size_t off = 0;
		for (char **t = onbuild; text && *t; t++) {
			size_t n = strlen(*t);
			memcpy(text + off, *t, n);
			text[off + n] = '\n';
			off += n + 1;
		}
		if (text)
			text[off] = '\0';
		char fname[512];
		snprintf(fname, sizeof(fname), "%s:%d: ONBUILD trigger of '%s'", c->r->file, from->line, rs[idx].base);
		if (text == NULL || cc_recipe_parse(fname, text, strlen(text), &trig, c->err) < 0) {
			state_release(&s);
			return text == NULL ? cc_error_set(c->err, ENOMEM, "plan") : -1;
		}
	}
	for (size_t t = 0; r == 0 && trig && t < trig->n; t++) {
		struct cc_build_step *st;
		if (add_step(bs, &st) < 0) {
			r = cc_error_set(c->err, ENOMEM, "plan");
			break;
		}
		struct plan_ctx sub = *c;
		sub.r = trig;
		r = cc_plan_step(&sub, &trig->instrs[t], idx, &s, st);
		if (r == 0 && cc_plan_make_key(st) < 0)
			r = cc_error_set(c->err, ENOMEM, "plan");
	}
	cc_recipe_free(trig);
	for (size_t i = rs[idx].first + 1; r == 0 && i < rs[idx].end; i++) {
		const struct cc_instr *in = &c->r->instrs[i];
		struct cc_build_step *st;
		if (add_step(bs, &st) < 0) {
			r = cc_error_set(c->err, ENOMEM, "plan");
			break;
		}
		r = cc_plan_step(c, in, idx, &s, st);
		if (r == 0 && cc_plan_make_key(st) < 0)
			r = cc_error_set(c->err, ENOMEM, "plan");
	}
	if (r < 0) {
		state_release(&s);
		return r;
	}
	c->finals[idx] = s;
	return 0;
}

static int add_dep(struct plan_ctx *c, const struct cc_recipe *r, const struct cc_instr *in, struct raw_stage *rs,
		   size_t n, const char *from)
{
	if (from == NULL)
		return 0;
	_cleanup_free_ char *f = NULL;
	if (cc_shell_word(from, r->escape, c->meta, &f, c->err) < 0) {
		raw_release(rs, n);
		return cc_error_prefix(c->err, "%s:%d", r->file, in->line);
	}
	int d = stage_by_name(rs, n - 1, f);
	if (d >= 0) {
		int *nd = realloc(rs[n - 1].deps, (rs[n - 1].n_deps + 1) * sizeof(int));
		if (nd == NULL) {
			raw_release(rs, n);
			return cc_error_set(c->err, ENOMEM, "plan");
		}
		rs[n - 1].deps = nd;
		rs[n - 1].deps[rs[n - 1].n_deps++] = d;
	}
	return 0;
}

/* First pass: stage boundaries, FROM lines, COPY --from references. */
static int scan_stages(struct plan_ctx *c, struct raw_stage **ret, size_t *ret_n)
{
	const struct cc_recipe *r = c->r;
	struct raw_stage *rs = NULL;
	size_t n = 0;
	struct plan_state none = { 0 };
	for (size_t i = 0; i < r->n; i++) {
		const struct cc_instr *in = &r->instrs[i];
		if (in->kind != CC_I_FROM) {
			if (n == 0) {
				if (in->kind != CC_I_ARG) {
					raw_release(rs, n);
					return cc_recipe_error(c->err, r->file, in->line,
							       "%s before the first FROM: only ARG may come before FROM",
							       cc_instr_name(in->kind));
				}
				if (cc_plan_arg(c, in, &none, false) < 0) {
					raw_release(rs, n);
					return -1;
				}
				continue;
			}
			rs[n - 1].end = i + 1;
			/* stages this one reads: COPY --from, RUN --mount from= (a
			 * bad --mount is reported when the step is planned) */
			const char *froms[33] = { in->kind == CC_I_COPY ? cc_plan_flag(in, "from") : NULL };
			struct cc_run_mount ms[32];
			size_t nf = 1, nm = 0;
			for (char **fl = in->flags; in->kind == CC_I_RUN && fl && *fl && nm < 32; fl++) {
				if (strncmp(*fl, "--mount=", 8) != 0)
					continue;
				cc_error *me = NULL;
				if (cc_run_mount_parse(*fl + 8, &ms[nm], &me) < 0) {
					cc_error_free(me);
					continue;
				}
				froms[nf++] = ms[nm++].from;
			}
			int fr = 0;
			for (size_t k = 0; fr == 0 && k < nf; k++)
				fr = add_dep(c, r, in, rs, n, froms[k]);
			for (size_t k = 0; k < nm; k++)
				cc_run_mount_release(&ms[k]);
			if (fr < 0)
				return -1;
			continue;
		}
		if (n == CC_BUILD_MAX_STAGES) {
			raw_release(rs, n);
			return cc_recipe_error(c->err, r->file, in->line, "more than %d stages", CC_BUILD_MAX_STAGES);
		}
		struct raw_stage *nr = realloc(rs, (n + 1) * sizeof(*nr));
		if (nr == NULL) {
			raw_release(rs, n);
			return cc_error_set(c->err, ENOMEM, "plan");
		}
		rs = nr;
		struct raw_stage *st = &rs[n++];
		*st = (struct raw_stage){ .first = i, .end = i + 1, .base_stage = -1 };
		static const char *const ok[] = { "platform", NULL };
		if (cc_plan_check_flags(c, in, ok, NULL) < 0) {
			raw_release(rs, n);
			return -1;
		}
		_cleanup_strv_ char **words = NULL;
		if (cc_parse_words(in->args[0], r->escape, &words, c->err) < 0) {
			raw_release(rs, n);
			return -1;
		}
		size_t nw = cc_strv_len(words);
		if (!(nw == 1 || (nw == 3 && strcasecmp(words[1], "AS") == 0))) {
			raw_release(rs, n);
			return cc_recipe_error(c->err, r->file, in->line, "FROM requires either one or three arguments");
		}
		if (cc_shell_word(words[0], r->escape, c->meta, &st->base, c->err) < 0) {
			raw_release(rs, n);
			return cc_error_prefix(c->err, "%s:%d", r->file, in->line);
		}
		if (st->base[0] == '\0') {
			raw_release(rs, n);
			return cc_recipe_error(c->err, r->file, in->line, "base name (%s) should not be blank", words[0]);
		}
		const char *pf = cc_plan_flag(in, "platform");
		if (pf && cc_shell_word(pf, r->escape, c->meta, &st->platform, c->err) < 0) {
			raw_release(rs, n);
			return cc_error_prefix(c->err, "%s:%d", r->file, in->line);
		}
		if (nw == 3) {
			if (!valid_stage_name(words[2])) {
				raw_release(rs, n);
				return cc_recipe_error(c->err, r->file, in->line, "invalid name for build stage: \"%s\"", words[2]);
			}
			st->name = strdup(words[2]);
			for (char *p = st->name; p && *p; p++)
				*p = (char)tolower((unsigned char)*p);
			bool dup = st->name != NULL && stage_by_name(rs, n - 1, st->name) >= 0;
			if (st->name == NULL || dup) {
				raw_release(rs, n);
				return dup ? cc_recipe_error(c->err, r->file, in->line, "duplicate stage name \"%s\"", words[2])
					   : cc_error_set(c->err, ENOMEM, "plan");
			}
		}
		int b = stage_by_name(rs, n - 1, st->base);
		if (b >= 0 && rs[b].name) /* FROM by stage name (not by index) */
			st->base_stage = b;
	}
	if (n == 0) {
		raw_release(rs, n);
		return cc_recipe_error(c->err, r->file, 0, "no FROM instruction: nothing to build");
	}
	*ret = rs;
	*ret_n = n;
	return 0;
}

static int platform_args(struct plan_ctx *c)
{
	const char *pf = c->o->platform ? c->o->platform : "linux/amd64";
	char os[32] = "", arch[32] = "", variant[32] = "";
	sscanf(pf, "%31[^/]/%31[^/]/%31s", os, arch, variant);
	const char *names[] = { "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
				"BUILDPLATFORM",  "BUILDOS",  "BUILDARCH",  "BUILDVARIANT" };
	const char *vals[] = { pf, os, arch, variant, pf, os, arch, variant };
	for (size_t i = 0; i < 8; i++) {
		_cleanup_free_ char *kv = NULL;
		const char *v = cc_plan_build_arg(c, names[i], false);
		if (asprintf(&kv, "%s=%s", names[i], v ? v : vals[i]) < 0 || cc_strv_push(&c->meta, kv) < 0 ||
		    cc_strv_push(&c->meta_names, names[i]) < 0)
			return cc_error_set(c->err, ENOMEM, "plan");
	}
	return 0;
}

int cc_build_plan(const struct cc_recipe *r, const struct cc_plan_options *o, struct cc_build_plan **ret,
		  cc_error **err)
{
	struct plan_ctx c = { .r = r, .o = o, .err = err, .ctxfd = -1 };
	struct raw_stage *rs = NULL;
	size_t n = 0;
	int rc = -1;
	c.plan = calloc(1, sizeof(*c.plan));
	c.meta = calloc(1, sizeof(char *));
	c.meta_names = calloc(1, sizeof(char *));
	c.build_args = cc_strv_dup(o->build_args ? o->build_args : (char *const[]){ NULL });
	c.consumed = calloc(cc_strv_len(c.build_args) + 1, sizeof(bool));
	if (!c.plan || !c.meta || !c.meta_names || !c.build_args || !c.consumed) {
		cc_error_set(err, ENOMEM, "plan");
		goto out;
	}
	if (o->context && cc_copy_open_root(o->context, &c.ctxfd, err) < 0)
		goto out;
	if (platform_args(&c) < 0 || scan_stages(&c, &rs, &n) < 0)
		goto out;
	c.plan->stages = calloc(n, sizeof(*c.plan->stages));
	c.finals = calloc(n, sizeof(*c.finals));
	if (c.plan->stages == NULL || c.finals == NULL) {
		cc_error_set(err, ENOMEM, "plan");
		goto out;
	}
	c.plan->n_stages = n;
	c.plan->target = n - 1;
	if (o->target) {
		int t = -1;
		for (size_t i = 0; i < n; i++)
			if (rs[i].name && strcasecmp(rs[i].name, o->target) == 0)
				t = (int)i;
		if (t < 0) {
			cc_error_setk(err, CC_ERR_INVALID, 0, "%s: target stage '%s' could not be found", r->file, o->target);
			goto out;
		}
		c.plan->target = (size_t)t;
	}
	bool needed[CC_BUILD_MAX_STAGES] = { false };
	mark(rs, needed, c.plan->target);
	for (size_t i = 0; i < n; i++) {
		struct cc_build_stage *bs = &c.plan->stages[i];
		bs->line = r->instrs[rs[i].first].line;
		bs->base_stage = rs[i].base_stage;
		bs->needed = needed[i];
		bs->base = strdup(rs[i].base);
		bs->display = strdup(r->instrs[rs[i].first].text);
		bs->name = rs[i].name ? strdup(rs[i].name) : NULL;
		bs->platform = rs[i].platform ? strdup(rs[i].platform) : NULL;
		if (bs->base == NULL || bs->display == NULL || (rs[i].name && bs->name == NULL) || (rs[i].platform && bs->platform == NULL)) {
			cc_error_set(err, ENOMEM, "plan");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (needed[i] && compile_stage(&c, rs, i) < 0)
			goto out;
	}
	c.plan->unused_args = calloc(1, sizeof(char *));
	c.plan->warnings = calloc(1, sizeof(char *));
	if (c.plan->unused_args == NULL || c.plan->warnings == NULL) {
		cc_error_set(err, ENOMEM, "plan");
		goto out;
	}
	for (size_t i = 0; c.build_args[i]; i++) {
		size_t kl = strcspn(c.build_args[i], "=");
		if (!c.consumed[i] && !cc_plan_is_proxy_arg(c.build_args[i], kl) &&
		    cc_strv_take(&c.plan->unused_args, strndup(c.build_args[i], kl)) < 0) {
			cc_error_set(err, ENOMEM, "plan");
			goto out;
		}
	}
	/* proxy variables given as build args reach every RUN, like docker */
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < c.plan->stages[i].n_steps; j++) {
			struct cc_build_step *st = &c.plan->stages[i].steps[j];
			if (st->kind != CC_I_RUN)
				continue;
			for (size_t k = 0; c.build_args[k]; k++) {
				size_t kl = strcspn(c.build_args[k], "=");
				if (cc_plan_is_proxy_arg(c.build_args[k], kl) && cc_strv_getenv(st->run_env, c.build_args[k], kl) == NULL &&
				    cc_strv_push(&st->run_env, c.build_args[k]) < 0) {
					cc_error_set(err, ENOMEM, "plan");
					goto out;
				}
			}
		}
	}
	*ret = steal_ptr(&c.plan);
	rc = 0;
out:
	if (c.finals)
		for (size_t i = 0; i < n; i++)
			state_release(&c.finals[i]);
	free(c.finals);
	raw_release(rs, n);
	cc_build_plan_free(c.plan);
	cc_strvfreep(&c.meta);
	cc_strvfreep(&c.meta_names);
	cc_strvfreep(&c.build_args);
	free(c.consumed);
	cc_closep(&c.ctxfd);
	return rc;
}
