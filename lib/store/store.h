/* lib/store: the content-addressed image store.
 *
 * On disk, under the root (default /var/lib/ccontainer):
 *   store.db             sqlite (WAL): the truth about what exists
 *   blobs/sha256/<hex>   manifests, configs and compressed layers, byte for byte as served
 *   layers/<hex>/        one unpacked directory per layer chain ID, shared by images
 *   containers/<id>/     a container's writable layer and its own files
 *   tmp/                 partial downloads (kept for resume) and staging, flock'd while in use
 *   lock                 flock: shared while a command adds content, exclusive for GC
 *   events.log[.1]       the events log (cc_store_event): one JSON line per event
 *   events.lock          flock'd around each append to it
 *
 * Content is written in tmp/ first (fsync), then given a row of its own
 * (content no image uses yet), then renamed into blobs/ or layers/; the rows
 * of the image that uses it are committed last, in one BEGIN IMMEDIATE
 * transaction.  Readers trust image rows only.  So every file in blobs/ and
 * layers/ has its row, and a file without one means the database lost rows
 * (emptied, a lost WAL), which `system check` reports.  A crash leaves at
 * worst rows of content no image uses (`image prune` drops them) and stale
 * staging in tmp/ (the next command that adds or removes content removes it).
 */
#ifndef CC_STORE_H
#define CC_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

struct cc_store;
struct cc_kept;

#define CC_STORE_DEFAULT_ROOT "/var/lib/ccontainer"

/* Open (creating when missing) the store at root.  Migrates the schema. */
int cc_store_open(const char *root, struct cc_store **ret_store, cc_error **err);
void cc_store_close(struct cc_store *s);
/* The schema version this build reads and writes (PRAGMA user_version). */
int cc_store_schema_version(void);
const char *cc_store_root(const struct cc_store *s);

/* Copy what the WAL holds into the database (a passive checkpoint: never
 * waits for others) once it has grown past a few commands' worth.  Best
 * effort.  Every command re-reads the WAL when it opens the store, so a
 * command with idle time to spare (run, while its container sets up)
 * keeps it short for the next ones. */
void cc_store_checkpoint(struct cc_store *s);

/* Store-wide lock: shared for adding content (pull, import, run), exclusive
 * for removing it (rmi, prune).  Released by cc_store_close or unlock.
 * Taking it also removes stale staging (cc_store_sweep_staging). */
int cc_store_lock(struct cc_store *s, bool exclusive, cc_error **err);
void cc_store_unlock(struct cc_store *s);

/* Paths (malloc'd).  digest is "sha256:<hex>". */
char *cc_store_blob_path(const struct cc_store *s, const char *digest);
char *cc_store_layer_path(const struct cc_store *s, const char *chain_id);
bool cc_store_blob_present(struct cc_store *s, const char *digest);
bool cc_store_layer_present(struct cc_store *s, const char *chain_id);

/* Small blobs (manifests, configs): verify sha256(data) == digest, write atomically. */
int cc_store_put_blob(struct cc_store *s, const char *digest, const void *data, size_t len, cc_error **err);
int cc_store_read_blob(struct cc_store *s, const char *digest, size_t max, char **ret_data, size_t *ret_len,
		       cc_error **err);

/* Partial downloads.  Opens (creating) tmp/<hex>.partial read-write and takes
 * an exclusive flock on it, waiting while another process holds it.  Returns
 * the fd and the bytes already there (for a Range resume). */
int cc_store_partial_open(struct cc_store *s, const char *digest, int *ret_fd, off_t *ret_size, cc_error **err);
/* fsync the partial file and rename it to blobs/sha256/<hex>. */
int cc_store_partial_commit(struct cc_store *s, const char *digest, int fd, cc_error **err);
void cc_store_partial_discard(struct cc_store *s, const char *digest);

/* Layer directories.  A staging dir tmp/stage-<random> is made and flock'd;
 * the store holds that lock until the dir is committed or the store is
 * closed (so until the process dies, at the latest).  Commit (the caller
 * has written, flushed and verified the dir) records the
 * layer's row, then renames the dir to layers/<hex>.  When another process
 * got there first, the staging dir is removed and the existing one is kept
 * (its content is the same by chain ID).  A staging dir the caller removes
 * itself (on failure) keeps its lock until the store is closed. */
int cc_store_layer_stage(struct cc_store *s, char **ret_path, cc_error **err);
int cc_store_layer_commit(struct cc_store *s, const char *staged, const char *chain_id, cc_error **err);

/* A temp file tmp/<prefix>-<random>, created with an exclusive flock that
 * lasts while *ret_fd is open. */
int cc_store_tmp_file(struct cc_store *s, const char *prefix, int *ret_fd, char **ret_path, cc_error **err);
/* Move a complete, fsynced file (in tmp/) into blobs/ as digest, its row
 * first.  The caller has verified that digest is the file's sha256. */
int cc_store_blob_commit(struct cc_store *s, const char *path, const char *digest, int64_t size, cc_error **err);
/* Remove what killed commands left in tmp/ (entries whose flock is free),
 * finishing an interrupted container removal; partial downloads stay for
 * resume.  Best effort; cc_store_lock does it. */
void cc_store_sweep_staging(struct cc_store *s);

/* What one image is made of, as recorded by pull/import/build. */
struct cc_layer_record {
	char *blob_digest;   /* compressed blob, "sha256:..." */
	char *media_type;
	int64_t blob_size;
	char *diff_id;
	char *chain_id;
	int64_t unpacked_size;
};

struct cc_image_record {
	char *id;                  /* config digest, "sha256:..." */
	char *manifest_digest;
	char *manifest_media_type;
	int64_t manifest_size;
	char *config_digest;
	int64_t config_size;
	char *created;             /* from config, RFC3339 */
	char *os, *arch, *variant;
	size_t n_layers;
	struct cc_layer_record *layers; /* bottom first */
	int64_t size;              /* sum of unpacked layer sizes (computed by the store) */
	char **tags;               /* names this image is known by (NULL-terminated), filled by get */
	char **repo_digests;       /* "repo@sha256:..." */
};

void cc_image_record_free(struct cc_image_record *r);

/* Record an image in one transaction: blobs, layers, image, and optionally
 * tag name -> image (with the digest the tag resolved to at the registry) and
 * a repo digest "repo@sha256:...".  Every file must already be in place. */
int cc_store_record_image(struct cc_store *s, const struct cc_image_record *rec, const char *tag,
			  const char *tag_digest, const char *repo_digest, cc_error **err);

/* Tag lookups.  ret_digest is the registry digest recorded for that tag (may be NULL). */
int cc_store_tag_get(struct cc_store *s, const char *name, char **ret_image_id, char **ret_digest, cc_error **err);
int cc_store_tag_set(struct cc_store *s, const char *name, const char *image_id, const char *digest, cc_error **err);
/* Remove one tag; CC_ERR_NOT_FOUND when absent. */
int cc_store_untag(struct cc_store *s, const char *name, cc_error **err);
/* Image whose manifest (or index) digest matches, for pull-by-digest short cuts. */
int cc_store_find_by_digest(struct cc_store *s, const char *repo, const char *digest, char **ret_image_id,
			    cc_error **err);
int cc_store_repo_digest_add(struct cc_store *s, const char *repo_digest, const char *image_id, cc_error **err);
/* Where a blob is known to be: "registry/repo" (e.g. "localhost:5000/team/app")
 * it was pulled from or pushed to; push mounts from these.  Newest first. */
int cc_store_blob_source_add(struct cc_store *s, const char *digest, const char *repo, cc_error **err);
int cc_store_blob_sources(struct cc_store *s, const char *digest, char ***ret, cc_error **err);

/* Resolve what a user typed: a full tag name, "repo@sha256:...", "sha256:<hex>",
 * or a unique ID prefix.  names are tried in order (the caller passes the
 * normalised forms).  CC_ERR_NOT_FOUND when nothing matches; CC_ERR_INVALID
 * when a prefix is ambiguous. */
int cc_store_resolve_image(struct cc_store *s, const char *const *names, size_t n_names, const char *raw,
			   char **ret_id, cc_error **err);

/* Full record of an image, with tags and repo digests. */
int cc_store_image_get(struct cc_store *s, const char *id, struct cc_image_record **ret, cc_error **err);
/* All image IDs, newest first. */
int cc_store_image_list(struct cc_store *s, char ***ret_ids, cc_error **err);
/* Number of containers using an image. */
int cc_store_image_users(struct cc_store *s, const char *id, int *ret_count, cc_error **err);
/* Delete an image row with its tags and repo digests (content is freed by gc). */
int cc_store_image_delete(struct cc_store *s, const char *id, cc_error **err);

/* Garbage collection: drop rows and files no image references, orphan files
 * and stale temp files.  Needs the exclusive lock.  Reports freed bytes. */
struct cc_gc_report {
	int blobs, layers, tmp;
	int64_t bytes;
};
int cc_store_gc(struct cc_store *s, bool orphans, struct cc_gc_report *ret, cc_error **err);

/* Consistency check (check.c): the database's own integrity; every blob
 * re-hashed; blobs, layers and containers compared with their rows both
 * ways; leases against containers; stale staging.  With repair, what can be
 * made right is (under the exclusive lock), each step leaving the store
 * consistent, and what cannot is said. */
enum cc_check_kind {
	CC_CHECK_PROBLEM,    /* an inconsistency (counted in problems) */
	CC_CHECK_NOTE,       /* harmless, e.g. stale staging the next command removes */
	CC_CHECK_REPAIRED,   /* what --repair did about the problem reported before */
	CC_CHECK_UNREPAIRED, /* why --repair could not, and what the user can do */
};
/* A layer some image uses, for the layer hook. */
struct cc_check_layer {
	const char *chain_id;
	const char *diff_id;
	char **blobs;      /* the blobs images record for it (digests), NULL-terminated */
	bool dir_present;  /* layers/<hex> is a directory */
	const char *running; /* a running container that uses it (its overlay has the
			      * directory open: a repair must not pull it away), or NULL */
};
struct cc_check {
	bool repair;
	void (*report)(enum cc_check_kind kind, const char *line, void *data);
	void *data;
	/* Verifies one layer some image uses against its blob (and with repair
	 * makes it again); reports through cc_check_report.  NULL: only its
	 * directory's presence is checked (lib/image provides the hook). */
	int (*layer)(struct cc_store *s, struct cc_check *ck, const struct cc_check_layer *l, cc_error **err);
	int problems, repaired, unrepaired, notes; /* counted by cc_check_report */
};
void cc_check_report(struct cc_check *ck, enum cc_check_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cc_store_check(struct cc_store *s, struct cc_check *ck, cc_error **err);
/* For repairs (the exclusive lock held): a staging dir in tmp/ whose lock
 * lasts while *ret_fd is open, and a layer directory replaced by a complete
 * one at once (renameat2 RENAME_EXCHANGE; the old content goes after). */
int cc_store_stage_dir(struct cc_store *s, char **ret_path, int *ret_fd, cc_error **err);
int cc_store_layer_replace(struct cc_store *s, const char *staged, const char *chain_id, cc_error **err);

/* Containers (used by run and the lifecycle verbs). */
struct cc_container_record {
	char *id;          /* 64 hex */
	char *name;
	char *image_id;
	char *image_name;  /* what the user typed, normalised */
	char *command;     /* display form */
	char *config_json; /* everything needed to start it again */
	char *state;       /* created, running, paused (running, its cgroup
	                      frozen: the process is alive), exited */
	int64_t created, started, finished;
	int pid;
	uint64_t pid_start;  /* start time of pid (/proc/PID/stat field 22) */
	int exit_code;
	bool oom_killed;
};
void cc_container_record_free(struct cc_container_record *c);
/* docker's container names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most
 * CC_CONTAINER_NAME_MAX bytes (what lookups take). */
#define CC_CONTAINER_NAME_MAX 127
bool cc_container_name_valid(const char *name);
/* Insert; fails with CC_ERR_IN_USE when the name is taken. */
int cc_store_container_add(struct cc_store *s, const struct cc_container_record *c, cc_error **err);
int cc_store_container_update_state(struct cc_store *s, const char *id, const char *state, int pid, int exit_code,
				    bool oom_killed, cc_error **err);
/* Pause (running -> paused) or unpause (paused -> running) a live
 * container: only the state changes (pid, start and finish times stay),
 * and only from the other of the two (an exit recorded meanwhile wins). */
int cc_store_container_set_paused(struct cc_store *s, const char *id, bool paused, cc_error **err);
/* Mark running with the container process's pid and its start time. */
int cc_store_container_started(struct cc_store *s, const char *id, int pid, uint64_t pid_start, cc_error **err);
int cc_store_container_delete(struct cc_store *s, const char *id, cc_error **err);
/* Replace a container's stored configuration (update). */
int cc_store_container_set_config(struct cc_store *s, const char *id, const char *config_json, cc_error **err);
/* Give container id the name; CC_ERR_IN_USE (docker's message) when another
 * container has it, CC_ERR_INVALID when it is not a valid name. */
int cc_store_container_rename(struct cc_store *s, const char *id, const char *name, cc_error **err);
/* Remove a container: its directory moved into tmp/ (locked), its row and
 * leases deleted, the directory removed (with keep, as cc_rm_rf_keep).
 * Missing directory or row is fine; a kill at any point leaves either the
 * container whole or a stale tmp/rm-<id> that the next sweep finishes. */
int cc_store_container_remove(struct cc_store *s, const char *id, struct cc_kept *keep, cc_error **err);
/* Resolve a full ID, unique ID prefix or name. */
int cc_store_container_get(struct cc_store *s, const char *ref, struct cc_container_record **ret, cc_error **err);
int cc_store_container_list(struct cc_store *s, struct cc_container_record ***ret, size_t *ret_n, cc_error **err);
char *cc_store_container_path(const struct cc_store *s, const char *id);

/* Volumes (volumes.c): a row per volume, its data in <root>/volumes/<name>/_data. */
#define CC_VOLUME_NAME_MAX 255
struct cc_volume_record {
	char *name;
	int64_t created;        /* seconds */
	char *labels_json;      /* an object, or NULL */
	char *options_json;     /* an object, or NULL */
	bool anonymous;
};
void cc_volume_record_free(struct cc_volume_record *v);
/* docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+, at most CC_VOLUME_NAME_MAX. */
bool cc_volume_name_valid(const char *name);
/* CC_ERR_IN_USE when the name is taken. */
int cc_store_volume_add(struct cc_store *s, const struct cc_volume_record *v, cc_error **err);
/* CC_ERR_NOT_FOUND: "get NAME: no such volume" (docker's). */
int cc_store_volume_get(struct cc_store *s, const char *name, struct cc_volume_record **ret, cc_error **err);
/* By name. */
int cc_store_volume_list(struct cc_store *s, struct cc_volume_record ***ret, size_t *ret_n, cc_error **err);
int cc_store_volume_delete(struct cc_store *s, const char *name, cc_error **err);
/* The row deleted unless a container names the volume (one transaction:
 * a container made meanwhile waits); *ret_users: those containers' IDs
 * (empty when it went). */
int cc_store_volume_delete_unused(struct cc_store *s, const char *name, char ***ret_users, cc_error **err);
/* The IDs of the containers (any state) whose spec mounts the volume. */
int cc_store_volume_users(struct cc_store *s, const char *name, char ***ret_ids, cc_error **err);
/* <root>/volumes/<name> and its _data (free them), NULL without memory. */
char *cc_store_volume_dir(const struct cc_store *s, const char *name);
char *cc_store_volume_data(const struct cc_store *s, const char *name);
/* Networks (networks.c): a row per user-defined network.  Addresses are
 * text ("10.89.0.0/24", "10.89.0.1"); lib/network checks them. */
#define CC_NETWORK_NAME_MAX 128
struct cc_network_record {
	char *name, *id, *bridge, *subnet, *gateway;
	char *ip_range;         /* or NULL: the whole subnet */
	bool internal;
	int64_t created;        /* seconds */
	char *labels_json;      /* an object, or NULL */
	char *options_json;     /* an object, or NULL */
};
void cc_network_record_free(struct cc_network_record *n);
/* docker's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]*. */
bool cc_network_name_valid(const char *name);
/* CC_ERR_IN_USE when the name, bridge or subnet is taken. */
int cc_store_network_add(struct cc_store *s, const struct cc_network_record *n, cc_error **err);
/* By name, full ID or unique ID prefix; CC_ERR_NOT_FOUND: "network X not found". */
int cc_store_network_get(struct cc_store *s, const char *ref, struct cc_network_record **ret, cc_error **err);
/* By name. */
int cc_store_network_list(struct cc_store *s, struct cc_network_record ***ret, size_t *ret_n, cc_error **err);
void cc_network_record_list_free(struct cc_network_record **v, size_t n);
/* The row deleted unless a container's spec names the network (one
 * transaction); *ret_users: those containers' IDs (empty when it went). */
int cc_store_network_delete_unused(struct cc_store *s, const char *name, char ***ret_users, cc_error **err);
/* The IDs of the containers (any state) whose spec names the network. */
int cc_store_network_users(struct cc_store *s, const char *name, char ***ret_ids, cc_error **err);

/* The lock a container's owner (its monitor, or a foreground run) holds
 * while the container runs: containers/<id>/monitor.lock, taken exclusive.
 * Is someone holding it now?  Checkers take it shared, so two of them never
 * look like an owner to each other. */
#define CC_CONTAINER_LOCK_FILE "monitor.lock"
/* Where running containers keep their run-time files (/etc/hostname,
 * /etc/hosts, /etc/resolv.conf), as podman's runroot: a tmpfs that a
 * reboot empties, shared by every store (container IDs are unique).
 * <runroot>/<id> exists while the container runs and is made again by
 * each start.  The default until set: CC_STORE_DEFAULT_RUNROOT. */
#define CC_STORE_DEFAULT_RUNROOT "/run/ccontainer"
int cc_store_set_runroot(struct cc_store *s, const char *runroot, cc_error **err);
const char *cc_store_runroot(const struct cc_store *s);
/* <runroot>/<id> (free it), or NULL without memory. */
char *cc_store_container_rundir(const struct cc_store *s, const char *id);
bool cc_store_container_locked(const struct cc_store *s, const char *id);

/* Address leases (bridge networking).  lease picks the lowest free address
 * in [first, last] (host byte order IPv4) for the network in one write
 * transaction, so concurrent starts never get the same one. */
int cc_store_lease(struct cc_store *s, const char *network, uint32_t first, uint32_t last, const char *container_id,
		   uint32_t *ret_ip, cc_error **err);
/* The names (space-separated) the holder of a lease answers to on its
 * network: its name, short ID and aliases, for the network's DNS. */
int cc_store_lease_set_names(struct cc_store *s, const char *network, const char *container_id, const char *names,
			     cc_error **err);
/* Release every lease a container holds. */
int cc_store_lease_release(struct cc_store *s, const char *container_id, cc_error **err);
/* Release the lease a container holds on one network (disconnect). */
int cc_store_lease_release_on(struct cc_store *s, const char *network, const char *container_id, cc_error **err);
/* Every lease of network, or of every network with NULL (for sweeping
 * leases of dead containers, and for names). */
struct cc_lease {
	char *container_id;
	char *network;     /* the bridge's name */
	char *names;       /* cc_store_lease_set_names's, or NULL */
	uint32_t ip;       /* host byte order */
};
int cc_store_lease_list(struct cc_store *s, const char *network, struct cc_lease **ret, size_t *ret_n,
			cc_error **err);
void cc_lease_list_free(struct cc_lease *l, size_t n);

/* Build cache: key (a sha256 over everything a step depends on) -> image ID. */
int cc_store_cache_get(struct cc_store *s, const char *key, char **ret_image_id, cc_error **err);
int cc_store_cache_put(struct cc_store *s, const char *key, const char *image_id, cc_error **err);
/* builder prune -a: every entry goes (*ret_n of them); the images they
 * named are then untagged ones nothing keeps, for image prune. */
int cc_store_cache_clear(struct cc_store *s, int64_t *ret_n, cc_error **err);
/* Whether a build cache entry names the image (build's intermediates). */
int cc_store_cache_has_image(struct cc_store *s, const char *image_id, bool *ret, cc_error **err);

/* The events log (events.c): docker's event stream without a daemon.
 * Every command that acts on a container or an image appends one JSON line
 * to <root>/events.log, docker's events.Message as its API sends it:
 *   {"status":ACTION,"id":ID,"from":IMAGE,"Type":TYPE,"Action":ACTION,
 *    "Actor":{"ID":ID,"Attributes":{...}},"scope":"local","time":S,"timeNano":NS}
 * (status and id for containers and images, from for containers only, as
 * docker fills its deprecated fields).  An append is one write(2) under an
 * flock of events.lock; once the file passes CCONTAINER_EVENTS_MAX_SIZE
 * (default 1 MiB) it becomes events.log.1 (the one older generation kept),
 * so the log is a bounded ring.  Not durable (no fsync), as docker's are
 * not.  `events` reads events.log.1, then events.log, and follows. */
#define CC_EVENTS_LOG "events.log"
#define CC_EVENTS_LOG_OLD "events.log.1"
#define CC_EVENTS_LOCK "events.lock" /* flock'd around each append */
#define CC_EVENTS_DEFAULT_MAX_SIZE (1024 * 1024)
/* A line longer than this (newline excluded) is neither written nor read. */
#define CC_EVENTS_MAX_LINE (64 * 1024)

/* Record an event: type "container", "image", "network" or "volume",
 * action ("create", "start", "die", "pull", "tag", ...), the actor's ID,
 * and its attributes as key, value pairs ending at a NULL key (a pair whose
 * value is NULL is left out; a later pair overrides an earlier one with the
 * same key).  attrs may be NULL.  Callers ignore the result: recording an
 * event never fails the action it records (the error is for tests). */
int cc_store_event(struct cc_store *s, const char *type, const char *action, const char *id,
		   const char *const *attrs, cc_error **err);
/* The same, for a store root without an open store. */
int cc_events_append(const char *root, const char *type, const char *action, const char *id,
		     const char *const *attrs, cc_error **err);
/* The size cap: $CCONTAINER_EVENTS_MAX_SIZE (a size: 4096, 64k, 1m) or
 * CC_EVENTS_DEFAULT_MAX_SIZE. */
int64_t cc_events_max_size(void);

/* One line of the log, checked: a JSON object with string Type and Action,
 * an Actor object with a string ID and an Attributes object of strings,
 * integer time and timeNano.  *ret is the event in docker's JSON form,
 * rebuilt from those fields only (nothing else of the line survives).
 * -1 (CC_ERR_INVALID) for anything else. */
struct json_t;
int cc_event_parse(const char *line, size_t len, struct json_t **ret, cc_error **err);

/* docker's event filters (--filter KEY=VALUE): the same key ORs its values
 * (label's AND, as docker's MatchKVList), different keys AND. */
struct cc_events_filter {
	struct cc_events_filter_kv {
		char *key, *value;
	} *kv;
	size_t n;
};
/* Add one "KEY=VALUE"; CC_ERR_INVALID for a key docker's events do not have
 * or a missing '='. */
int cc_events_filter_add(struct cc_events_filter *f, const char *arg, cc_error **err);
/* Does an event (cc_event_parse's form) pass every key? */
bool cc_events_filter_match(const struct cc_events_filter *f, const struct json_t *ev);
void cc_events_filter_release(struct cc_events_filter *f);

/* Reading the log.  past: start with events.log.1 and events.log from
 * their beginning (else from the current end); follow: an inotify watch on
 * the root (set before the files are opened, so nothing written after the
 * open is missed) lets the caller wait for more and rotation is followed. */
struct cc_events_reader;
int cc_events_reader_open(const char *root, bool past, bool follow, struct cc_events_reader **ret,
			  cc_error **err);
/* The next event: 1 and *ret (cc_event_parse's form; json_decref it), or 0
 * when there is none yet.  Lines over CC_EVENTS_MAX_LINE and lines that are
 * not events are skipped. */
int cc_events_reader_next(struct cc_events_reader *r, struct json_t **ret, cc_error **err);
/* Readable when the log may have more (poll it; following only, else -1);
 * cc_events_reader_drain empties it before the next round of _next. */
int cc_events_reader_fd(const struct cc_events_reader *r);
void cc_events_reader_drain(struct cc_events_reader *r);
void cc_events_reader_free(struct cc_events_reader *r);

/* sha256 helpers (OpenSSL EVP), shared by every module. */
struct cc_sha256;
struct cc_sha256 *cc_sha256_new(void);
void cc_sha256_update(struct cc_sha256 *h, const void *data, size_t len);
/* Writes "sha256:<64 hex>" into out (size >= 72) and frees h. */
void cc_sha256_final(struct cc_sha256 *h, char out[72]);
void cc_sha256_free(struct cc_sha256 *h);
void cc_sha256_digest(const void *data, size_t len, char out[72]);
/* Validate "sha256:<64 lowercase hex>". */
bool cc_digest_valid(const char *digest);

#endif
