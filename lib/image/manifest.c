/* Manifests, indexes, platform selection and image configs (jansson). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "image.h"
#include "util/util.h"

static void descriptor_release(struct cc_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->os);
	free(d->arch);
	free(d->variant);
}

void cc_manifest_free(struct cc_manifest *m)
{
	if (m == NULL)
		return;
	free(m->media_type);
	descriptor_release(&m->config);
	for (size_t i = 0; i < m->n_entries; i++)
		descriptor_release(&m->entries[i]);
	free(m->entries);
	free(m);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int parse_descriptor(json_t *j, struct cc_descriptor *d, const char *what, cc_error **err)
{
	const char *digest = json_string_value(json_object_get(j, "digest"));
	json_t *size = json_object_get(j, "size");
	if (!cc_digest_valid(digest))
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "%s: missing or unsupported digest '%s'", what,
				     digest ? digest : "");
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "%s %s: missing or invalid size", what, digest);
	d->digest = strdup(digest);
	d->size = json_integer_value(size);
	d->media_type = dup_or_null(json_string_value(json_object_get(j, "mediaType")));
	json_t *plat = json_object_get(j, "platform");
	if (plat) {
		d->os = dup_or_null(json_string_value(json_object_get(plat, "os")));
		d->arch = dup_or_null(json_string_value(json_object_get(plat, "architecture")));
		d->variant = dup_or_null(json_string_value(json_object_get(plat, "variant")));
	}
	const char *reftype =
		json_string_value(json_object_get(json_object_get(j, "annotations"), "vnd.docker.reference.type"));
	d->attestation = (reftype && strcmp(reftype, "attestation-manifest") == 0) ||
			 (d->os && strcmp(d->os, "unknown") == 0 && d->arch && strcmp(d->arch, "unknown") == 0);
	return 0;
}

int cc_manifest_parse(const char *data, size_t len, const char *content_type, struct cc_manifest **ret,
		      cc_error **err)
{
	json_error_t je;
	json_t *root = json_loadb(data, len, 0, &je);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "parse manifest: %s", root ? "not an object" : je.text);
	}
	struct cc_manifest *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		json_decref(root);
		return cc_error_set(err, ENOMEM, "parse manifest");
	}
	const char *mt = json_string_value(json_object_get(root, "mediaType"));
	_cleanup_free_ char *ct = NULL;
	if (content_type) {
		ct = strdup(content_type);
		char *semi = ct ? strchr(ct, ';') : NULL;
		if (semi)
			*semi = '\0';
		for (char *e = ct ? ct + strlen(ct) : NULL; e && e > ct && (e[-1] == ' ' || e[-1] == '\t'); e--)
			e[-1] = '\0';
	}
	/* The body's own mediaType decides; Content-Type fills in when absent
	 * (OCI manifests may omit it).  The two must agree when both are given. */
	if (mt && ct && *ct && strcmp(ct, "application/json") != 0 && strcmp(mt, ct) != 0) {
		int r = cc_error_setk(err, CC_ERR_VERIFY, 0, "manifest media type '%s' does not match Content-Type '%s'",
				      mt, content_type);
		cc_manifest_free(m);
		json_decref(root); /* mt points into root */
		return r;
	}
	if (mt == NULL)
		mt = (ct && *ct && strcmp(ct, "application/json") != 0) ? ct : NULL;
	if (mt == NULL)
		mt = json_object_get(root, "manifests") ? CC_MT_OCI_INDEX : CC_MT_OCI_MANIFEST;
	m->media_type = strdup(mt);
	int r = 0;
	if (strcmp(mt, CC_MT_OCI_INDEX) == 0 || strcmp(mt, CC_MT_DOCKER_LIST) == 0) {
		m->is_index = true;
		json_t *arr = json_object_get(root, "manifests");
		if (!json_is_array(arr)) {
			r = cc_error_setk(err, CC_ERR_VERIFY, 0, "index has no manifests array");
			goto out;
		}
		m->entries = calloc(json_array_size(arr) + 1, sizeof(*m->entries));
		size_t i;
		json_t *e;
		json_array_foreach(arr, i, e) {
			if (parse_descriptor(e, &m->entries[m->n_entries], "index entry", err) < 0) {
				r = -1;
				goto out;
			}
			m->n_entries++;
		}
	} else if (strcmp(mt, CC_MT_OCI_MANIFEST) == 0 || strcmp(mt, CC_MT_DOCKER_MANIFEST) == 0) {
		if (parse_descriptor(json_object_get(root, "config"), &m->config, "config", err) < 0) {
			r = -1;
			goto out;
		}
		json_t *arr = json_object_get(root, "layers");
		if (!json_is_array(arr)) {
			r = cc_error_setk(err, CC_ERR_VERIFY, 0, "manifest has no layers array");
			goto out;
		}
		if (json_array_size(arr) > 1000) {
			r = cc_error_setk(err, CC_ERR_VERIFY, 0, "manifest has %zu layers (limit 1000)",
					  json_array_size(arr));
			goto out;
		}
		m->entries = calloc(json_array_size(arr) + 1, sizeof(*m->entries));
		size_t i;
		json_t *e;
		json_array_foreach(arr, i, e) {
			if (parse_descriptor(e, &m->entries[m->n_entries], "layer", err) < 0) {
				r = -1;
				goto out;
			}
			m->n_entries++;
		}
	} else if (strstr(mt, "manifest.v1+prettyjws") || strstr(mt, "manifest.v1+json")) {
		r = cc_error_setk(err, CC_ERR_VERIFY, 0,
				  "image uses Docker schema 1 manifests, which are no longer supported; push it again "
				  "with a current tool");
	} else {
		r = cc_error_setk(err, CC_ERR_VERIFY, 0, "unsupported manifest media type '%s'", mt);
	}
out:
	json_decref(root);
	if (r < 0) {
		cc_manifest_free(m);
		return r;
	}
	*ret = m;
	return 0;
}

void cc_platform_host(struct cc_platform *p)
{
	struct utsname u;
	memset(p, 0, sizeof(*p));
	strcpy(p->os, "linux");
	const char *arch = "amd64", *variant = "";
	if (uname(&u) == 0) {
		if (strcmp(u.machine, "x86_64") == 0)
			arch = "amd64";
		else if (strcmp(u.machine, "aarch64") == 0 || strcmp(u.machine, "arm64") == 0)
			arch = "arm64", variant = "v8";
		else if (strncmp(u.machine, "armv7", 5) == 0)
			arch = "arm", variant = "v7";
		else if (strncmp(u.machine, "armv6", 5) == 0)
			arch = "arm", variant = "v6";
		else if (strcmp(u.machine, "i686") == 0 || strcmp(u.machine, "i386") == 0)
			arch = "386";
		else if (strcmp(u.machine, "ppc64le") == 0 || strcmp(u.machine, "s390x") == 0 ||
			 strcmp(u.machine, "riscv64") == 0)
			arch = u.machine;
	}
	snprintf(p->arch, sizeof(p->arch), "%.31s", arch);
	snprintf(p->variant, sizeof(p->variant), "%.31s", variant);
}

int cc_platform_parse(const char *s, struct cc_platform *p, cc_error **err)
{
	memset(p, 0, sizeof(*p));
	char a[32] = "", b[32] = "", c[32] = "";
	int n = sscanf(s, "%31[^/]/%31[^/]/%31s", a, b, c);
	if (n < 2 || strlen(s) > 90)
		return cc_error_setk(err, CC_ERR_INVALID, 0, "invalid platform '%s': expected os/arch[/variant]", s);
	strcpy(p->os, a);
	strcpy(p->arch, b);
	strcpy(p->variant, c);
	if (strcmp(p->arch, "x86_64") == 0)
		strcpy(p->arch, "amd64");
	if (strcmp(p->arch, "aarch64") == 0)
		strcpy(p->arch, "arm64");
	if (strcmp(p->arch, "arm64") == 0 && p->variant[0] == '\0')
		strcpy(p->variant, "v8");
	return 0;
}

/* Higher is better; -1 = incompatible.  An exact variant beats a lower
 * compatible one (v7 runs v6 images); a missing arm64 variant means v8. */
static int variant_score(const struct cc_platform *want, const struct cc_descriptor *d)
{
	const char *have = d->variant ? d->variant : "";
	if (strcmp(want->arch, "arm64") == 0 && *have == '\0')
		have = "v8";
	if (strcmp(have, want->variant) == 0)
		return 100;
	if (*want->variant == '\0')
		return *have == '\0' ? 100 : 10;
	if (*have == '\0')
		return 50;
	if (want->variant[0] == 'v' && have[0] == 'v' && atoi(have + 1) < atoi(want->variant + 1))
		return 50 - (atoi(want->variant + 1) - atoi(have + 1));
	return -1;
}

int cc_manifest_select(const struct cc_manifest *index, const struct cc_platform *want,
		       const struct cc_descriptor **ret, cc_error **err)
{
	const struct cc_descriptor *best = NULL;
	int best_score = -1;
	for (size_t i = 0; i < index->n_entries; i++) {
		const struct cc_descriptor *d = &index->entries[i];
		if (d->attestation || !d->os || !d->arch || strcmp(d->os, want->os) || strcmp(d->arch, want->arch))
			continue;
		int sc = variant_score(want, d);
		if (sc > best_score) { /* first match wins among equals */
			best = d;
			best_score = sc;
		}
	}
	if (best) {
		*ret = best;
		return 0;
	}
	char avail[1024] = "";
	size_t off = 0;
	for (size_t i = 0; i < index->n_entries; i++) {
		const struct cc_descriptor *d = &index->entries[i];
		if (d->attestation || !d->os || !d->arch)
			continue;
		int n = snprintf(avail + off, sizeof(avail) - off, "%s%s/%s%s%s", off ? ", " : "", d->os, d->arch,
				 d->variant ? "/" : "", d->variant ? d->variant : "");
		if (n < 0 || (size_t)n >= sizeof(avail) - off)
			break;
		off += (size_t)n;
	}
	return cc_error_setk(err, CC_ERR_NOT_FOUND, 0, "no matching manifest for %s/%s%s%s in the manifest list entries (available: %s)",
			     want->os, want->arch, want->variant[0] ? "/" : "", want->variant, off ? avail : "none");
}

void cc_image_config_free(struct cc_image_config *c)
{
	if (c == NULL)
		return;
	free(c->os);
	free(c->arch);
	free(c->variant);
	free(c->created);
	for (size_t i = 0; i < c->n_diff_ids; i++)
		free(c->diff_ids[i]);
	free(c->diff_ids);
	free(c);
}

int cc_image_config_parse(const char *data, size_t len, struct cc_image_config **ret, cc_error **err)
{
	json_error_t je;
	json_t *root = json_loadb(data, len, 0, &je);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		return cc_error_setk(err, CC_ERR_VERIFY, 0, "parse image config: %s", root ? "not an object" : je.text);
	}
	struct cc_image_config *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		json_decref(root);
		return cc_error_set(err, ENOMEM, "parse image config");
	}
	c->os = dup_or_null(json_string_value(json_object_get(root, "os")));
	c->arch = dup_or_null(json_string_value(json_object_get(root, "architecture")));
	c->variant = dup_or_null(json_string_value(json_object_get(root, "variant")));
	c->created = dup_or_null(json_string_value(json_object_get(root, "created")));
	json_t *ids = json_object_get(json_object_get(root, "rootfs"), "diff_ids");
	int r = 0;
	if (!json_is_array(ids)) {
		r = cc_error_setk(err, CC_ERR_VERIFY, 0, "image config has no rootfs.diff_ids");
	} else {
		c->diff_ids = calloc(json_array_size(ids) + 1, sizeof(char *));
		size_t i;
		json_t *e;
		json_array_foreach(ids, i, e) {
			const char *d = json_string_value(e);
			if (!cc_digest_valid(d)) {
				r = cc_error_setk(err, CC_ERR_VERIFY, 0, "image config: invalid diff ID '%s'", d ? d : "");
				break;
			}
			c->diff_ids[c->n_diff_ids++] = strdup(d);
		}
	}
	json_decref(root);
	if (r < 0) {
		cc_image_config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int cc_chain_ids(char *const *diff_ids, size_t n, char ***ret, cc_error **err)
{
	char **v = calloc(n + 1, sizeof(char *));
	if (v == NULL)
		return cc_error_set(err, ENOMEM, "chain IDs");
	for (size_t i = 0; i < n; i++) {
		if (i == 0) {
			v[i] = strdup(diff_ids[0]);
		} else {
			char buf[160], out[72];
			int len = snprintf(buf, sizeof(buf), "%s %s", v[i - 1], diff_ids[i]);
			cc_sha256_digest(buf, (size_t)len, out);
			v[i] = strdup(out);
		}
		if (v[i] == NULL) {
			cc_strvfreep(&v);
			return cc_error_set(err, ENOMEM, "chain IDs");
		}
	}
	*ret = v;
	return 0;
}
