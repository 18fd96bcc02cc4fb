/* vigie mss: fetch, list, import, integrate and show received MSSanté messages from the
 * command line (tab-separated rows or "key: value" lines). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/mss_wire.h"
#include "jobs/mss_job.h"
#include "store/insi_store.h"
#include "store/mss_store.h"
#include "store/patients.h"

/* Exit status when the mail server did not answer (connection, timeout, TLS). */
#define CLI_EXIT_DOWN 3

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "vigie : %s\n", why);
	fputs("Usage : vigie mss fetch\n"
	      "        vigie mss list [--tout] [--nouveaux] [--alertes] [--type CODE]\n"
	      "                       [--patient DOSSIER] [--tri reception|date|type|patient]\n"
	      "        vigie mss import FICHIER.eml...\n"
	      "        vigie mss integrate ELEMENT [--dossier N]\n"
	      "        vigie mss show ELEMENT\n"
	      "ELEMENT : numéro d'élément de la liste (avant-dernière colonne de « mss list »).\n"
	      "DOSSIER : numéro de dossier ou matricule INS (15 caractères).\n",
	      stderr);
	return 2;
}

/* A field of a tab-separated row: no tab nor line break from a received message. */
static const char *field(const char *s, char *buf, size_t size)
{
	size_t i = 0;

	for (; *s && i + 1 < size; s++)
		buf[i++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
	buf[i] = 0;
	return buf;
}

static long long parse_id(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	return *s && !*end && v > 0 ? v : 0;
}

static long long find_patient(struct store *st, const char *arg)
{
	long long id = parse_id(arg);

	if (id > 0 && strlen(arg) < 15)
		return id;
	if (strlen(arg) == 15)
		return insi_find_by_matricule(st, arg, 0);
	return 0;
}

/* The name shown for an item. A patient's own message has no CDA: the store falls back to
 * the sender, whose address is the INS matricule, never shown; the dossier's name is. */
static const char *shown_name(struct store *st, const struct mss_item *it, char *buf,
			      size_t size)
{
	struct patient p;

	if (it->sender != MSS_SENDER_PATIENT ||
	    mss_sender_of(it->patient, NULL) != MSS_SENDER_PATIENT)
		return field(it->patient[0] ? it->patient : "-", buf, size);
	patient_init(&p);
	if (it->patient_id > 0 && patient_get(st, it->patient_id, &p) == 0) {
		snprintf(buf, size, "%s %s", p.birth_name, p.first_name);
		patient_clear(&p);
		return field(buf, buf, size);
	}
	patient_clear(&p);
	snprintf(buf, size, "Patient (Mon espace santé)");
	return buf;
}

static const char *sender_code(int sender)
{
	return sender == MSS_SENDER_PATIENT ? "patient" : "PS";
}

static void add(char *buf, size_t size, const char *word)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? "," : "", word);
}

/* "anormaux:3,urgent,..." or "-". */
static void alerts(const struct mss_item *it, char *buf, size_t size)
{
	char n[32];

	buf[0] = 0;
	if (it->abnormal > 0) {
		snprintf(n, sizeof n, "anormaux:%d", it->abnormal);
		add(buf, size, n);
	}
	if (it->urgent)
		add(buf, size, "urgent");
	if (it->flags & MSS_F_NEW_VERSION)
		add(buf, size, "nouvelle-version");
	if (it->flags & MSS_F_OLDER)
		add(buf, size, "ancienne-version");
	if (it->status == MSS_ST_WITHDRAWN || (it->flags & MSS_F_DELETE))
		add(buf, size, "retire");
	if (it->flags & MSS_F_ALREADY)
		add(buf, size, "deja-integre");
	if (it->flags & MSS_F_CONFLICT)
		add(buf, size, "conflit");
	if (it->flags & MSS_F_ERROR)
		add(buf, size, "erreur");
	if (!buf[0])
		snprintf(buf, size, "-");
}

/* ---- fetch -------------------------------------------------------------------------------- */

struct throttle {
	struct timespec last;
};

static long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

/* At most one progress line per second, whatever the number of messages. */
static void show_progress(void *ctx, const char *text)
{
	struct throttle *t = ctx;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ms_between(&t->last, &now) < 1000)
		return;
	t->last = now;
	fprintf(stderr, "%s\n", text);
}

static int exit_code(int rc)
{
	if (rc < 0)
		return 1;
	if (rc & MSS_JOB_DOWN)
		return CLI_EXIT_DOWN;
	return rc & MSS_JOB_ERROR ? 1 : 0;
}

static int fetch(const struct cli *cl, struct store *st)
{
	struct throttle t;
	struct mss_run_stats s;
	char msg[400];
	int rc;

	if (cl->nargs > 2)
		return usage("« mss fetch » ne prend pas d'argument");
	if (!cl->c->mss.url[0]) {
		fprintf(stderr, "vigie : aucune boîte MSSanté configurée ([mss] adresse dans "
			"vigie.conf, voir vigie.conf(5))\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t.last);
	rc = mss_run_now_progress(st, &cl->c->mss, MSS_FETCH, NULL, 0, NULL, msg, sizeof msg, &s,
				  show_progress, &t);
	if (exit_code(rc))
		fprintf(stderr, "vigie : %s\n", msg[0] ? msg : "relève MSSanté impossible");
	else
		printf("%s\n", msg);
	return exit_code(rc);
}

/* ---- list --------------------------------------------------------------------------------- */

static int list(const struct cli *cl, struct store *st)
{
	struct mss_filter f;
	enum mss_sort sort = MSS_SORT_RECEIVED;
	long long *ids = NULL;
	size_t n = 0;

	memset(&f, 0, sizeof f);
	for (int i = 2; i < cl->nargs; i++) {
		const char *a = cl->args[i], *v = i + 1 < cl->nargs ? cl->args[i + 1] : NULL;

		if (!strcmp(a, "--tout"))
			f.show_deleted = 1;
		else if (!strcmp(a, "--nouveaux"))
			f.only_new = 1;
		else if (!strcmp(a, "--alertes"))
			f.only_alerts = 1;
		else if (!strcmp(a, "--type") && v) {
			snprintf(f.type_code, sizeof f.type_code, "%s", v);
			i++;
		} else if (!strcmp(a, "--patient") && v) {
			if ((f.patient_id = find_patient(st, v)) <= 0) {
				fprintf(stderr, "vigie : patient « %s » introuvable\n", v);
				return 1;
			}
			i++;
		} else if (!strcmp(a, "--tri") && v) {
			if (!strcmp(v, "reception"))
				sort = MSS_SORT_RECEIVED;
			else if (!strcmp(v, "date"))
				sort = MSS_SORT_DATE;
			else if (!strcmp(v, "type"))
				sort = MSS_SORT_TYPE;
			else if (!strcmp(v, "patient"))
				sort = MSS_SORT_PATIENT;
			else
				return usage("--tri : reception, date, type ou patient attendu");
			i++;
		} else {
			return usage(v || a[0] != '-' ? "option inconnue" : "option sans valeur");
		}
	}
	if (mss_list(st, &f, sort, &ids, &n)) {
		fprintf(stderr, "vigie : %s\n", st->err);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		struct mss_item it;
		char date[16], al[160], name[160], type[160];

		if (mss_item_get(st, ids[i], &it)) {
			fprintf(stderr, "vigie : %s\n", st->err);
			free(ids);
			return 1;
		}
		date_hl7_to_fr(it.date, "-", date, sizeof date);
		alerts(&it, al, sizeof al);
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%lld\t%lld\n", mss_status_code(it.status),
		       sender_code(it.sender), shown_name(st, &it, name, sizeof name),
		       field(it.type_label, type, sizeof type), date, al, it.id, it.patient_id);
	}
	free(ids);
	return 0;
}

/* ---- import ------------------------------------------------------------------------------- */

static int import(const struct cli *cl, struct store *st)
{
	int failed = 0, rc;
	char msg[400];

	if (cl->nargs < 3)
		return usage("fichier de message manquant");
	for (int i = 2; i < cl->nargs; i++) {
		rc = mss_run_now(st, &cl->c->mss, MSS_IMPORT, NULL, 0, cl->args[i], msg, sizeof msg,
				 NULL);
		if (exit_code(rc)) {
			fprintf(stderr, "vigie : %s\n", msg[0] ? msg : "import impossible");
			failed++;
		} else {
			printf("%s : %s\n", cl->args[i], msg);
		}
	}
	return failed ? 1 : 0;
}

/* ---- integrate ---------------------------------------------------------------------------- */

static int integrate(const struct cli *cl, struct store *st)
{
	long long id, pid = 0;
	char msg[400];
	int rc;

	if (cl->nargs < 3 || !(id = parse_id(cl->args[2])))
		return usage("numéro d'élément attendu");
	for (int i = 3; i < cl->nargs; i++) {
		if (!strcmp(cl->args[i], "--dossier") && i + 1 < cl->nargs) {
			if ((pid = find_patient(st, cl->args[++i])) <= 0) {
				fprintf(stderr, "vigie : dossier « %s » introuvable\n", cl->args[i]);
				return 1;
			}
		} else {
			return usage("option inconnue");
		}
	}
	if (pid && mss_attach(st, id, pid)) {
		fprintf(stderr, "vigie : rattachement impossible : %s\n", st->err);
		return 1;
	}
	rc = mss_run_now(st, &cl->c->mss, MSS_INTEGRATE, &id, 1, NULL, msg, sizeof msg, NULL);
	if (exit_code(rc)) {
		fprintf(stderr, "vigie : %s\n", msg[0] ? msg : "intégration impossible");
		return 1;
	}
	printf("%s\n", msg);
	return 0;
}

/* ---- show --------------------------------------------------------------------------------- */

static const char *match_code(int m)
{
	return m == MSS_MATCH_INS ? "ins" : m == MSS_MATCH_USER ? "utilisateur" : "aucun";
}

static const char *kind_code(int k)
{
	switch (k) {
	case MSS_DOC_CDA: return "cda";
	case MSS_DOC_PDF: return "pdf";
	case MSS_DOC_TEXT: return "texte";
	default: return "autre";
	}
}

static void kv(const char *key, const char *value)
{
	char buf[1200];

	printf("%s: %s\n", key, field(value, buf, sizeof buf));
}

static void print_candidates(struct store *st, long long id)
{
	struct ins_identity doc;
	struct mss_candidate *c = NULL;
	size_t n = 0;
	char line[800], birth[16], diff[200], used[128];

	if (mss_candidates(st, id, &doc, &c, &n, 10)) {
		printf("candidats: ?\n");
		return;
	}
	printf("candidats: %zu\n", n);
	for (size_t i = 0; i < n; i++) {
		static const enum ins_trait shown[] = { INS_T_BIRTH_NAME, INS_T_FIRST_NAME,
							INS_T_FIRST_NAMES, INS_T_SEX,
							INS_T_BIRTH_DATE };
		diff[0] = 0;
		for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++)
			if (c[i].cmp[shown[k]] == INS_DIFFERS) {
				size_t len = strlen(diff);
				snprintf(diff + len, sizeof diff - len, "%s%s", len ? ", " : "",
					 ins_trait_label(shown[k]));
			}
		date_iso_to_fr(c[i].local.birth_date, birth, sizeof birth);
		used[0] = 0;
		if (c[i].used_name_matches)
			snprintf(used, sizeof used, " (nom utilisé %s)", c[i].used_name);
		snprintf(line, sizeof line, "%lld score=%d %s %s %s%s %s ; différences : %s",
			 c[i].patient_id, c[i].score, mss_candidate_strong(&c[i]) ? "fort" : "faible",
			 c[i].local.birth_name, c[i].local.first_name, used, birth,
			 diff[0] ? diff : "aucune");
		kv("candidat", line);
	}
	free(c);
}

static int show(const struct cli *cl, struct store *st)
{
	struct mss_item_full *f;
	char buf[64], al[160], name[300];
	long long id;

	if (cl->nargs != 3 || !(id = parse_id(cl->args[2])))
		return usage("numéro d'élément attendu");
	if (!(f = calloc(1, sizeof *f)))
		return 1;
	if (mss_item_full_get(st, id, f)) {
		fprintf(stderr, "vigie : élément %lld introuvable : %s\n", id, st->err);
		free(f);
		return 1;
	}
	printf("element: %lld\nmessage: %lld\n", f->it.id, f->it.message_id);
	kv("statut", mss_status_code(f->it.status));
	kv("statut_libelle", mss_status_label(f->it.status));
	kv("emetteur", sender_code(f->it.sender));
	kv("expediteur", f->from);
	kv("nom_expediteur", f->from_name);
	kv("objet", f->subject);
	date_hl7_to_fr(f->msg_date, "", buf, sizeof buf);
	kv("date_message", buf);
	kv("recu_le", f->it.received_at);
	kv("nature", kind_code(f->it.kind));
	kv("patient", shown_name(st, &f->it, name, sizeof name));
	date_iso_to_fr(f->it.birth_date, buf, sizeof buf);
	kv("naissance", buf);
	kv("type_code", f->it.type_code);
	kv("type", f->it.type_label);
	date_hl7_to_fr(f->it.date, "", buf, sizeof buf);
	kv("date", buf);
	kv("titre", f->doc.h.title);
	kv("auteur", f->doc.h.author);
	kv("structure_auteur", f->doc.h.author_org);
	alerts(&f->it, al, sizeof al);
	kv("alertes", al);
	if (f->it.abnormal >= 0)
		printf("resultats_anormaux: %d\n", f->it.abnormal);
	printf("urgent: %s\n", f->it.urgent ? "oui" : "non");
	kv("rapprochement", match_code(f->it.match));
	printf("dossier: %lld\ndocument: %lld\n", f->it.patient_id, f->it.document_id);
	kv("cda_id", f->doc.h.id);
	kv("set_id", f->doc.h.set_id);
	printf("version: %d\nniveau: %d\n", f->doc.h.version, f->doc.h.level);
	kv("action_emetteur", f->doc.action[0] == 'D' ? "suppression" : f->doc.action[0] == 'C'
	   ? "creation" : "");
	kv("fichier", f->doc.file);
	kv("copie_pdf", f->doc.pdf);
	kv("original", f->msg_file);
	kv("conflit", f->doc.conflict);
	kv("erreur", f->doc.error[0] ? f->doc.error : f->msg_error);
	if (f->it.patient_id == 0 && f->it.status != MSS_ST_DELETED)
		print_candidates(st, id);
	free(f);
	return 0;
}

int cli_mss(const struct cli *cl)
{
	const char *sub = cl->nargs > 1 ? cl->args[1] : "";
	struct store *st;
	int rc;

	if (strcmp(sub, "fetch") && strcmp(sub, "list") && strcmp(sub, "import") &&
	    strcmp(sub, "integrate") && strcmp(sub, "show"))
		return usage(sub[0] ? "sous-commande inconnue" : NULL);
	if ((rc = cli_open_store(cl, "vigie", &st)))
		return rc;
	if (!strcmp(sub, "fetch"))
		rc = fetch(cl, st);
	else if (!strcmp(sub, "list"))
		rc = list(cl, st);
	else if (!strcmp(sub, "import"))
		rc = import(cl, st);
	else if (!strcmp(sub, "integrate"))
		rc = integrate(cl, st);
	else
		rc = show(cl, st);
	store_close(st);
	return rc;
}
