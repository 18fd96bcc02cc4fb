/* INSi teleservice client: SOAP 1.2 requests (over net/http.c), answer and fault parser. */
#include "net/insi.h"
#include "net/sbuf.h"
#include "net/xmltree.h"
#include "core/text.h"
#include "core/insi_wire.h"

#include "core/cog.h"
#include "core/date.h"
#include "core/ins.h"
#include "core/nir.h"
#include "net/http.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/rand.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define NS_RESULTAT "http://www.cnamts.fr/INSiResultat"
#define NS_RECSANS "http://www.cnamts.fr/INSiRecSans"
#define NS_RECVIT "http://www.cnamts.fr/INSiRecVit"
#define NS_CTXBAM "urn:siram:bam:ctxbam"
#define NS_CTXLPS "urn:siram:lps:ctxlps"
#define NS_WSA "http://www.w3.org/2005/08/addressing"
#define NS_SIRAM "urn:siram"
#define ACTION_TRAITS "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"
#define ACTION_VITALE "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale"

/* No INSi answer comes near this; anything larger is refused before parsing. */
#define INSI_MAX_BODY (1024 * 1024)

/* ------------------------------------------------------------------ errors */

static void err_clear(struct insi_error *e)
{
	if (e)
		memset(e, 0, sizeof *e);
}

__attribute__((format(printf, 3, 4)))
static int fail(struct insi_error *e, int kind, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->kind = kind;
		va_start(ap, fmt);
		vsnprintf(e->message, sizeof e->message, fmt, ap);
		va_end(ap);
		text_utf8_cut(e->message);
	}
	return kind;
}

/* ------------------------------------------------------------------ ids and time */

int insi_new_uuid(char out[37])
{
	unsigned char r[16];
	static const char hex[] = "0123456789abcdef";
	int i, o = 0;

	if (RAND_bytes(r, sizeof r) != 1) {
		out[0] = 0;
		return -1;
	}
	r[6] = (unsigned char)((r[6] & 0x0F) | 0x40); /* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3F) | 0x80); /* RFC 4122 variant */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[r[i] >> 4];
		out[o++] = hex[r[i] & 15];
	}
	out[o] = 0;
	return 0;
}

void insi_now_utc(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* ------------------------------------------------------------------ request checks */

static int is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Names are sent exactly as given: the caller normalises (core/ins.h), this only refuses
 * what would not pass, so that no unnormalised text ever reaches the CNAM. */
static int check_name(const char *label, const char *v, int first_name, struct insi_error *e)
{
	char norm[256];
	const char *why = NULL;

	if (!v || !*v)
		return fail(e, INSI_ERR_INPUT, "%s manquant : ce trait est obligatoire pour interroger "
			    "INSi", label);
	if (ins_normalize(v, first_name, norm, sizeof norm, &why))
		return fail(e, INSI_ERR_INPUT, "%s « %s » impossible à envoyer à INSi : %s", label, v,
			    why ? why : "caractères non autorisés");
	if (strcmp(norm, v))
		return fail(e, INSI_ERR_INPUT, "%s « %s » non normalisé pour INSi (attendu « %s »)",
			    label, v, norm);
	return 0;
}

static int check_sex(const char *sex, struct insi_error *e)
{
	if (!sex || !*sex)
		return fail(e, INSI_ERR_INPUT, "Sexe manquant : F ou M attendu");
	if (!strcmp(sex, "F") || !strcmp(sex, "M"))
		return 0;
	if (!strcmp(sex, "I"))
		return fail(e, INSI_ERR_INPUT, "Sexe « I » (indéterminé) : le téléservice INSi ne "
			    "connaît que F et M, la recherche ne peut pas être envoyée avec ce sexe");
	return fail(e, INSI_ERR_INPUT, "Sexe « %s » invalide : F ou M attendu", sex);
}

static int check_birth_date(const char *d, struct insi_error *e)
{
	struct ymd ymd;

	if (!d || !*d)
		return fail(e, INSI_ERR_INPUT, "Date de naissance manquante (AAAA-MM-JJ attendu)");
	if (date_parse_iso(d, &ymd) != DATE_OK)
		return fail(e, INSI_ERR_INPUT, "Date de naissance « %s » invalide : une date réelle au "
			    "format AAAA-MM-JJ est attendue", d);
	return 0;
}

static int check_cog(const char *cog, struct insi_error *e)
{
	if (!cog || !*cog)
		return 0;
	if (cog_classify(cog) == COG_INVALID)
		return fail(e, INSI_ERR_INPUT, "Lieu de naissance « %s » invalide : %s", cog,
			    cog_explain_invalid(cog));
	return 0;
}

static int check_config_ids(const struct insi_config *cfg, struct insi_error *e)
{
	if (!cfg->idam[0])
		return fail(e, INSI_ERR_CONFIG, "Numéro d'autorisation du logiciel absent de la "
			    "configuration ([insi] idam) : le service INSi le refuserait");
	return 0;
}

static int check_traits(const struct insi_traits_query *q, struct insi_error *e)
{
	if (!q)
		return fail(e, INSI_ERR_INPUT, "Aucun trait d'identité à rechercher");
	if (check_name("Nom de naissance", q->birth_name, 0, e) ||
	    check_name("Prénom", q->first_name, 1, e) || check_sex(q->sex, e) ||
	    check_birth_date(q->birth_date, e) || check_cog(q->birth_cog, e))
		return e ? e->kind : INSI_ERR_INPUT;
	return 0;
}

/* ------------------------------------------------------------------ request builder */

static void put_lps(struct sbuf *b, const struct insi_config *cfg, const char *id, const char *now)
{
	char nom[128];

	sb_puts(b, "<ctxlps:ContexteLPS Nature=\"CTXLPS\" Version=\"01_00\">");
	sb_elem(b, "ctxlps:Id", id);
	sb_elem(b, "ctxlps:Temps", now);
	if (cfg->emitter[0])
		sb_elem(b, "ctxlps:Emetteur", cfg->emitter);
	sb_puts(b, "<ctxlps:LPS><ctxlps:IDAM R=\"4\">");
	sb_esc(b, cfg->idam);
	sb_puts(b, "</ctxlps:IDAM>");
	sb_elem(b, "ctxlps:Version", cfg->software_version);
	if (cfg->instance[0])
		sb_elem(b, "ctxlps:Instance", cfg->instance);
	snprintf(nom, sizeof nom, "urn:lps:%s:%s", cfg->software_name, cfg->software_version);
	sb_elem(b, "ctxlps:Nom", nom);
	sb_puts(b, "</ctxlps:LPS></ctxlps:ContexteLPS>");
}

/* A matricule as NIR/Num + Cle, in whichever namespace prefix and element names asked. */
static void put_nir(struct sbuf *b, const char *num_el, const char *key_el, const struct nir *n)
{
	char key[4];

	snprintf(key, sizeof key, "%02d", n->key);
	sb_elem(b, num_el, n->body);
	sb_elem(b, key_el, key);
}

/* COUVERTURE is mandatory: empty for a traits search, the card's data for a Vitale one. */
static void put_couverture(struct sbuf *b, const struct nir *od, const struct nir *ind,
			   const char *birth_date, int rang)
{
	char r[12];

	if (!od) {
		sb_puts(b, "<ctxbam:COUVERTURE/>");
		return;
	}
	sb_puts(b, "<ctxbam:COUVERTURE><ctxbam:ASSURE><ctxbam:Id>");
	put_nir(b, "ctxbam:Num", "ctxbam:Cle", od);
	sb_puts(b, "</ctxbam:Id></ctxbam:ASSURE><ctxbam:BENEFICIAIRE>");
	if (ind) {
		sb_puts(b, "<ctxbam:Nir>");
		put_nir(b, "ctxbam:Num", "ctxbam:Cle", ind);
		sb_puts(b, "</ctxbam:Nir>");
	}
	sb_elem(b, "ctxbam:DateNai", birth_date);
	snprintf(r, sizeof r, "%d", rang);
	sb_elem(b, "ctxbam:Rang", r);
	sb_puts(b, "</ctxbam:BENEFICIAIRE></ctxbam:COUVERTURE>");
}

struct vitale_ids {
	struct nir od, ind;
	int has_ind;
	char birth_date[11];
	int rang;
};

static void put_envelope_head(struct sbuf *b, const struct insi_config *cfg, const char *action,
			      const char *message_id, const char *now, const struct vitale_ids *v)
{
	/* The context Ids are the message's UUID: one identifier per exchange in the traces. */
	const char *id = strncmp(message_id, "uuid:", 5) ? message_id : message_id + 5;

	sb_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<soap:Envelope xmlns:soap=\"" NS_SOAP12 "\" xmlns:ctxbam=\"" NS_CTXBAM "\""
		" xmlns:ctxlps=\"" NS_CTXLPS "\" xmlns:wsa=\"" NS_WSA "\"><soap:Header>"
		"<ctxbam:ContexteBAM Version=\"01_02\">");
	sb_elem(b, "ctxbam:Id", id);
	sb_elem(b, "ctxbam:Temps", now);
	if (cfg->emitter[0])
		sb_elem(b, "ctxbam:Emetteur", cfg->emitter);
	if (v)
		put_couverture(b, &v->od, v->has_ind ? &v->ind : NULL, v->birth_date, v->rang);
	else
		put_couverture(b, NULL, NULL, NULL, 0);
	sb_puts(b, "</ctxbam:ContexteBAM>");
	put_lps(b, cfg, id, now);
	sb_elem(b, "wsa:Action", action);
	sb_elem(b, "wsa:MessageID", message_id);
	sb_puts(b, "</soap:Header><soap:Body>");
}

static char *finish_envelope(struct sbuf *b, struct insi_error *e)
{
	sb_puts(b, "</soap:Body></soap:Envelope>");
	if (b->oom) {
		free(b->p);
		fail(e, INSI_ERR_INPUT, "Mémoire insuffisante pour construire la requête INSi");
		return NULL;
	}
	return b->p;
}

char *insi_build_traits_request(const struct insi_config *cfg, const struct insi_traits_query *q,
				const char *message_id, const char *now_utc, struct insi_error *e)
{
	struct sbuf b = { 0 };

	err_clear(e);
	if (check_traits(q, e) || check_config_ids(cfg, e))
		return NULL;
	put_envelope_head(&b, cfg, ACTION_TRAITS, message_id, now_utc, NULL);
	sb_puts(&b, "<rs:RECSANSVITALE xmlns:rs=\"" NS_RECSANS "\">");
	sb_elem(&b, "rs:NomNaissance", q->birth_name);
	sb_elem(&b, "rs:Prenom", q->first_name);
	sb_elem(&b, "rs:Sexe", q->sex);
	sb_elem(&b, "rs:DateNaissance", q->birth_date);
	if (q->birth_cog && q->birth_cog[0])
		sb_elem(&b, "rs:LieuNaissance", q->birth_cog);
	sb_puts(&b, "</rs:RECSANSVITALE>");
	return finish_envelope(&b, e);
}

/* The card gives AAAAMMJJ or AAAA-MM-JJ; a lunar date (day or month 00) is legitimate there,
 * so only the shape is checked. */
static int vitale_date(const char *in, char out[11], struct insi_error *e)
{
	size_t n = in ? strlen(in) : 0;

	if (n == 8 && is_digits(in, 8))
		snprintf(out, 11, "%.4s-%.2s-%.2s", in, in + 4, in + 6);
	else if (n == 10 && in[4] == '-' && in[7] == '-' && is_digits(in, 4) &&
		 is_digits(in + 5, 2) && is_digits(in + 8, 2))
		memcpy(out, in, 11);
	else
		return fail(e, INSI_ERR_INPUT, "Date de naissance de la carte Vitale « %s » invalide "
			    "(AAAA-MM-JJ ou AAAAMMJJ attendu)", in ? in : "");
	return 0;
}

static int vitale_nir(const char *label, const char *in, struct nir *out, struct insi_error *e)
{
	int rc = nir_parse(in, 1, out);

	if (rc != NIR_OK)
		return fail(e, INSI_ERR_INPUT, "%s « %s » refusé : %s", label, in, nir_strerror(rc));
	return 0;
}

static int check_vitale(const struct insi_vitale_query *q, struct vitale_ids *v,
			struct insi_error *e)
{
	memset(v, 0, sizeof *v);
	if (!q || !q->nir_od || !q->nir_od[0])
		return fail(e, INSI_ERR_INPUT, "Numéro de l'ouvrant droit de la carte Vitale manquant");
	if (vitale_nir("Numéro de l'ouvrant droit", q->nir_od, &v->od, e))
		return e ? e->kind : INSI_ERR_INPUT;
	if (q->nir_individu && q->nir_individu[0]) {
		if (vitale_nir("Numéro individuel", q->nir_individu, &v->ind, e))
			return e ? e->kind : INSI_ERR_INPUT;
		v->has_ind = 1;
	}
	if (q->birth_name && q->birth_name[0] && check_name("Nom de naissance", q->birth_name, 0, e))
		return e ? e->kind : INSI_ERR_INPUT;
	if (vitale_date(q->birth_date, v->birth_date, e))
		return e ? e->kind : INSI_ERR_INPUT;
	v->rang = q->rang ? q->rang : 1;
	if (v->rang < 1 || v->rang > 9)
		return fail(e, INSI_ERR_INPUT, "Rang de naissance %d invalide (1 à 9)", q->rang);
	return 0;
}

char *insi_build_vitale_request(const struct insi_config *cfg, const struct insi_vitale_query *q,
				const char *message_id, const char *now_utc, struct insi_error *e)
{
	struct sbuf b = { 0 };
	struct vitale_ids v;
	char r[12];

	err_clear(e);
	if (check_vitale(q, &v, e) || check_config_ids(cfg, e))
		return NULL;
	put_envelope_head(&b, cfg, ACTION_VITALE, message_id, now_utc, &v);
	sb_puts(&b, "<rv:RECVITALE xmlns:rv=\"" NS_RECVIT "\">");
	if (v.has_ind) {
		sb_puts(&b, "<rv:MatriculeIndividu>");
		put_nir(&b, "rv:NumIdentifiant", "rv:Cle", &v.ind);
		sb_puts(&b, "</rv:MatriculeIndividu>");
	}
	sb_puts(&b, "<rv:MatriculeOD>");
	put_nir(&b, "rv:NumIdentifiant", "rv:Cle", &v.od);
	sb_puts(&b, "</rv:MatriculeOD>");
	if (q->birth_name && q->birth_name[0])
		sb_elem(&b, "rv:NomNaissance", q->birth_name);
	sb_elem(&b, "rv:DateNaissance", v.birth_date);
	snprintf(r, sizeof r, "%d", v.rang);
	sb_elem(&b, "rv:RangNaissance", r);
	sb_puts(&b, "</rv:RECVITALE>");
	return finish_envelope(&b, e);
}

/* ------------------------------------------------------------------ safe XML reading */

static xmlDocPtr read_xml(const char *xml, size_t len, struct insi_error *e)
{
	int dtd, line;
	xmlDocPtr doc = xml_read_guarded(xml, len, &dtd, &line);

	if (dtd)
		fail(e, INSI_ERR_PARSE, "Réponse INSi refusée : elle contient une déclaration de type "
		     "de document (DTD, entités), ce qu'une réponse INSi ne contient jamais");
	else if (!doc)
		fail(e, INSI_ERR_PARSE, "Réponse INSi mal formée ou tronquée : XML invalide (ligne %d)",
		     line);
	return doc;
}

/* ------------------------------------------------------------------ tree helpers */

static xmlNode *res_child(const xmlNode *parent, const char *name)
{
	return xml_child(parent, NS_RESULTAT, name);
}

/*
 * The element's text, trimmed, every run of white space or control characters made one space
 * (a hostile value must not be able to start a new "key: value" line). When it does not fit:
 * cut (cut != 0, at a character boundary) or -1 (identity fields: nothing is silently
 * shortened). Returns the length; a missing node is "".
 */
static int text_into(const xmlNode *n, char *out, size_t size, int cut)
{
	xmlChar *raw = n ? xmlNodeGetContent(n) : NULL;
	int over = xml_line_text(raw, out, size) < 0;

	xmlFree(raw);
	if (over && !cut) {
		out[0] = 0;
		return -1;
	}
	return (int)strlen(out);
}

static int text_of(const xmlNode *n, char *out, size_t size)
{
	return text_into(n, out, size, 0);
}

/* Free text (labels, fault reasons) that may be shortened. */
static void text_cut(const xmlNode *n, char *out, size_t size)
{
	text_into(n, out, size, 1);
}

static int iso_date_shape(const char *s)
{
	return strlen(s) == 10 && s[4] == '-' && s[7] == '-' && is_digits(s, 4) &&
	       is_digits(s + 5, 2) && is_digits(s + 8, 2);
}

/* ------------------------------------------------------------------ RESULTAT */

static int ins_field(const xmlNode *n, char *out, size_t size, const char *what,
		     const char *field, struct insi_error *e)
{
	if (text_of(n, out, size) < 0)
		return fail(e, INSI_ERR_PARSE, "Réponse INSi invalide : %s de %s trop long", field, what);
	return 0;
}

static int parse_ins_dates(const xmlNode *n, const xmlNode *id, struct insi_ins *ins,
			   const char *what, struct insi_error *e)
{
	/* Seen before IdIndividu (CNDA book) and after OID (test platform): look by name. */
	const xmlNode *deb = res_child(n, "DateDeb") ? res_child(n, "DateDeb") : res_child(id, "DateDeb");
	const xmlNode *fin = res_child(n, "DateFin") ? res_child(n, "DateFin") : res_child(id, "DateFin");

	if (ins_field(deb, ins->date_deb, sizeof ins->date_deb, what, "DateDeb", e) ||
	    ins_field(fin, ins->date_fin, sizeof ins->date_fin, what, "DateFin", e))
		return INSI_ERR_PARSE;
	if ((ins->date_deb[0] && !iso_date_shape(ins->date_deb)) ||
	    (ins->date_fin[0] && !iso_date_shape(ins->date_fin)))
		return fail(e, INSI_ERR_PARSE, "Réponse INSi invalide : date de validité de %s mal "
			    "formée (AAAA-MM-JJ attendu)", what);
	return 0;
}

static int check_oid(const char *oid)
{
	if (!oid[0])
		return 0;
	for (const char *p = oid; *p; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return 0;
	return 1;
}

/* IdentifiantNationalSante: IdIndividu{NumIdentifiant, Cle?, TypeMatricule?}, OID, dates. */
static int parse_ins(const xmlNode *n, const char *what, struct insi_ins *ins, struct insi_error *e)
{
	const xmlNode *id = res_child(n, "IdIndividu");
	int expected;

	memset(ins, 0, sizeof *ins);
	if (!id)
		return fail(e, INSI_ERR_PARSE, "Réponse INSi incomplète : %s sans IdIndividu", what);
	if (text_of(res_child(id, "NumIdentifiant"), ins->num, sizeof ins->num) != 13)
		return fail(e, INSI_ERR_PARSE, "Réponse INSi invalide : matricule de %s de longueur "
			    "incorrecte (13 caractères attendus)", what);
	for (char *p = ins->num; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	if (ins_field(res_child(id, "Cle"), ins->key, sizeof ins->key, what, "la clé", e))
		return INSI_ERR_PARSE;
	if (ins->key[0] && (strlen(ins->key) != 2 || !is_digits(ins->key, 2)))
		return fail(e, INSI_ERR_PARSE, "Réponse INSi invalide : clé de %s mal formée (2 "
			    "chiffres attendus)", what);
	if (ins_field(res_child(id, "TypeMatricule"), ins->type, sizeof ins->type, what,
		      "TypeMatricule", e) ||
	    ins_field(res_child(n, "OID"), ins->oid, sizeof ins->oid, what, "l'OID", e))
		return INSI_ERR_PARSE;
	if (!check_oid(ins->oid))
		return fail(e, INSI_ERR_PARSE, "Réponse INSi invalide : OID de %s absent ou mal formé",
			    what);
	if (parse_ins_dates(n, id, ins, what, e))
		return INSI_ERR_PARSE;
	expected = nir_compute_key(ins->num);
	ins->key_ok = ins->key[0] && expected > 0 && expected == atoi(ins->key);
	return 0;
}

static void first_token(const char *list, char *out, size_t size)
{
	size_t n = strcspn(list, " ");

	snprintf(out, size, "%.*s", (int)n, list);
}

static int parse_tiq(const xmlNode *tiq, struct insi_result *r, struct insi_error *e)
{
	const char *bad = NULL;

	if (text_of(res_child(tiq, "NomNaissance"), r->birth_name, sizeof r->birth_name) < 0)
		bad = "nom de naissance trop long";
	else if (text_of(res_child(tiq, "Prenom"), r->first_name, sizeof r->first_name) < 0)
		bad = "prénom trop long";
	else if (text_of(res_child(tiq, "ListePrenom"), r->first_names, sizeof r->first_names) < 0)
		bad = "liste des prénoms trop longue";
	else if (text_of(res_child(tiq, "Sexe"), r->sex, sizeof r->sex) < 0)
		bad = "sexe sur plus d'une lettre";
	else if (text_of(res_child(tiq, "DateNaissance"), r->birth_date, sizeof r->birth_date) < 0 ||
		 (r->birth_date[0] && !iso_date_shape(r->birth_date)))
		bad = "date de naissance mal formée (AAAA-MM-JJ attendu)";
	else if (text_of(res_child(tiq, "LieuNaissance"), r->birth_cog, sizeof r->birth_cog) < 0 ||
		 (r->birth_cog[0] && strlen(r->birth_cog) != 5))
		bad = "lieu de naissance mal formé (code COG de 5 caractères attendu)";
	if (bad)
		return fail(e, INSI_ERR_PARSE, "Réponse INSi invalide : %s", bad);
	/* The test platform omits TIQ/Prenom: the first first name heads the list. */
	if (!r->first_name[0])
		first_token(r->first_names, r->first_name, sizeof r->first_name);
	return 0;
}

static int parse_individu(const xmlNode *ind, struct insi_result *r, struct insi_error *e)
{
	const xmlNode *act = res_child(ind, "INSACTIF"), *tiq = res_child(ind, "TIQ");

	if (!act)
		return fail(e, INSI_ERR_PARSE, "Réponse INSi incomplète : INDIVIDU sans INSACTIF");
	if (!tiq)
		return fail(e, INSI_ERR_PARSE, "Réponse INSi incomplète : INDIVIDU sans traits (TIQ)");
	if (parse_ins(act, "l'INS actif", &r->active, e) || parse_tiq(tiq, r, e))
		return INSI_ERR_PARSE;
	r->key_anomaly = !r->active.key_ok;
	for (const xmlNode *c = ind->children; c; c = c->next) {
		struct insi_ins h;

		if (!xml_is_el(c, NS_RESULTAT, "INSHISTO"))
			continue;
		if (parse_ins(c, "l'historique", &h, e))
			return INSI_ERR_PARSE;
		r->key_anomaly |= !h.key_ok;
		if (r->n_history < INSI_HISTO_MAX)
			r->history[r->n_history++] = h;
		r->n_history_total++;
	}
	r->has_individu = 1;
	return 0;
}

static int parse_resultat(const xmlNode *res, struct insi_result *r, struct insi_error *e)
{
	const xmlNode *cr = res_child(res, "CR"), *ind = res_child(res, "INDIVIDU");
	char code[8];

	if (!cr || text_of(res_child(cr, "CodeCR"), code, sizeof code) < 0 || !code[0])
		return fail(e, INSI_ERR_PARSE, "Réponse INSi incomplète : code retour (CR/CodeCR) "
			    "absent");
	if (strcmp(code, "00") && strcmp(code, "01") && strcmp(code, "02"))
		return fail(e, INSI_ERR_PARSE, "Réponse INSi inattendue : code retour « %s » inconnu "
			    "(00, 01 ou 02 attendu)", code);
	memcpy(r->cr, code, 3);
	text_cut(res_child(cr, "LibelleCR"), r->cr_label, sizeof r->cr_label);
	if (strcmp(code, "00"))
		return 0; /* 01 / 02 carry no identity; anything else there is ignored */
	if (!ind)
		return fail(e, INSI_ERR_PARSE, "Réponse INSi incohérente : code retour 00 sans identité "
			    "(INDIVIDU absent)");
	return parse_individu(ind, r, e);
}

/* ------------------------------------------------------------------ SOAP fault */

static const struct {
	const char *code, *why;
} fault_codes[] = {
	{ "insi_102", "Erreur technique du service INSi" },
	{ "desir_550", "Logiciel non autorisé à appeler INSi (numéro d'autorisation IDAM inconnu "
		       "ou refusé)" },
	{ "DESIR_560", "Niveau d'accès insuffisant : le certificat utilisé doit être un certificat "
		       "INSI-AUTO ou INSI-MANU" },
	{ "desir_1020", "Service INSi momentanément indisponible, réessayez plus tard" },
	{ "insi_24", "Format du sexe incorrect dans la requête (F ou M attendu)" },
};

const char *insi_fault_explain(const char *code)
{
	for (size_t i = 0; code && i < sizeof fault_codes / sizeof fault_codes[0]; i++)
		if (!strcasecmp(code, fault_codes[i].code))
			return fault_codes[i].why;
	return NULL;
}

static int parse_fault(const xmlNode *fault, struct insi_error *e)
{
	const xmlNode *code = xml_child(fault, NS_SOAP12, "Code");
	const xmlNode *sub = xml_child(code, NS_SOAP12, "Subcode");
	const xmlNode *erreur = xml_child(xml_child(fault, NS_SOAP12, "Detail"), NS_SIRAM, "Erreur");
	char reason[512], detail[512], attr[64] = "";
	const char *why;
	xmlChar *c = erreur ? xmlGetNoNsProp(erreur, (const xmlChar *)"code") : NULL;

	if (c) {
		snprintf(attr, sizeof attr, "%s", (const char *)c);
		xmlFree(c);
	}
	if (!e)
		return INSI_ERR_FAULT;
	/* The code is shown and stored: keep it printable and one word. */
	for (char *p = attr; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7F)
			*p = '_';
	snprintf(e->code, sizeof e->code, "%s", attr);
	xml_qname_local(xml_child(sub, NS_SOAP12, "Value"), e->subcode, sizeof e->subcode);
	text_cut(xml_soap12_reason(fault), reason, sizeof reason);
	text_cut(erreur, detail, sizeof detail);
	why = insi_fault_explain(e->code);
	if (!why)
		why = e->code[0] ? "Erreur renvoyée par le service INSi" : "Erreur SOAP du service INSi";
	fail(e, INSI_ERR_FAULT, "%s%s%s%s : %s%s%s", why, e->code[0] ? " (" : "", e->code,
	     e->code[0] ? ")" : "", reason[0] ? reason : detail[0] ? detail : "sans explication",
	     reason[0] && detail[0] && strcmp(reason, detail) ? " — " : "",
	     reason[0] && strcmp(reason, detail) ? detail : "");
	return INSI_ERR_FAULT;
}

/* ------------------------------------------------------------------ answer */

static const xmlNode *find_any(const xmlNode *n, const char *name, int depth)
{
	for (const xmlNode *c = n ? n->children : NULL; c && depth > 0; c = c->next) {
		const xmlNode *f;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)c->name, name) && !xml_is_el(c, NS_RESULTAT, name))
			return c;
		if ((f = find_any(c, name, depth - 1)))
			return f;
	}
	return NULL;
}

/* A name or namespace taken from the document, fit to be put in a one-line message. */
static const char *printable(const xmlChar *in, char *out, size_t size)
{
	size_t o = 0;

	for (const xmlChar *p = in ? in : BAD_CAST ""; *p && o + 1 < size; p++)
		out[o++] = *p < 0x20 || *p == 0x7F ? ' ' : (char)*p;
	out[o] = 0;
	text_utf8_cut(out);
	return out;
}

static int not_an_answer(const xmlNode *root, const xmlNode *body, struct insi_error *e)
{
	const xmlNode *other = body ? find_any(body, "RESULTAT", 4) : NULL;
	char ns[160], name[64];

	printable(root->ns ? root->ns->href : NULL, ns, sizeof ns);
	printable(root->name, name, sizeof name);

	if (!body && xml_is_el(root, NS_SOAP12, "Envelope"))
		return fail(e, INSI_ERR_PARSE, "Réponse INSi inattendue : enveloppe SOAP sans Body");
	if (!body)
		return fail(e, INSI_ERR_PARSE, "Réponse INSi inattendue : pas d'enveloppe SOAP 1.2 "
			    "(élément racine « %s »%s%s)", name, ns[0] ? " de l'espace de noms " : "", ns);
	if (other)
		return fail(e, INSI_ERR_PARSE, "Réponse refusée : RESULTAT dans l'espace de noms « %s » "
			    "au lieu de " NS_RESULTAT " — ce n'est pas une réponse INSi",
			    other->ns ? printable(other->ns->href, ns, sizeof ns) : "(aucun)");
	return fail(e, INSI_ERR_PARSE, "Réponse INSi inattendue : ni RESULTAT ni erreur SOAP dans "
		    "le corps du message");
}

static int only_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

int insi_parse_response(const char *xml, size_t len, struct insi_result *r, struct insi_error *e)
{
	xmlDocPtr doc;
	const xmlNode *root, *body;
	int rc;

	memset(r, 0, sizeof *r);
	err_clear(e);
	if (!xml || only_blank(xml, len))
		return fail(e, INSI_ERR_PARSE, "Réponse INSi vide");
	if (len > INSI_MAX_BODY)
		return fail(e, INSI_ERR_PARSE, "Réponse INSi refusée : %zu octets, plus que la limite "
			    "de 1 Mio", len);
	doc = read_xml(xml, len, e);
	if (!doc)
		return INSI_ERR_PARSE;
	root = xmlDocGetRootElement(doc);
	body = xml_is_el(root, NS_SOAP12, "Envelope") ? xml_child(root, NS_SOAP12, "Body") : NULL;
	if (!root)
		rc = fail(e, INSI_ERR_PARSE, "Réponse INSi vide");
	else if (body && xml_child(body, NS_SOAP12, "Fault"))
		rc = parse_fault(xml_child(body, NS_SOAP12, "Fault"), e);
	else if (body && xml_child(body, NS_RESULTAT, "RESULTAT"))
		rc = parse_resultat(xml_child(body, NS_RESULTAT, "RESULTAT"), r, e);
	else
		rc = not_an_answer(root, body, e);
	xmlFreeDoc(doc);
	if (rc && rc != INSI_ERR_FAULT)
		memset(r, 0, sizeof *r);
	return rc;
}

/* ------------------------------------------------------------------ transport */

static int check_transport(const struct insi_config *cfg, const struct http_target *t,
			   struct insi_error *e)
{
	char msg[sizeof e->message];
	int rc;

	if (!cfg->endpoint[0])
		return fail(e, INSI_ERR_CONFIG, "Adresse du service INSi absente de la configuration "
			    "([insi] adresse)");
	if (strncasecmp(cfg->endpoint, "https://", 8))
		return fail(e, INSI_ERR_CONFIG, "Adresse INSi « %s » refusée : seul https:// est "
			    "accepté (les traits d'identité ne circulent jamais en clair)",
			    cfg->endpoint);
	rc = http_check_target(t, cfg->endpoint, msg, sizeof msg);
	if (rc)
		return fail(e, INSI_ERR_CONFIG, "%s", msg);
	return 0;
}

static void make_target(const struct insi_config *cfg, insi_stop_fn stop, void *stop_ctx,
			struct http_target *t)
{
	memset(t, 0, sizeof *t);
	t->service = "INSi";
	t->section = "insi";
	t->ca_file = cfg->ca_file;
	t->cert_file = cfg->cert_file;
	t->cert_type = cfg->cert_type;
	t->key_file = cfg->key_file;
	t->key_password = cfg->key_password;
	t->connect_timeout_ms = cfg->connect_timeout_ms;
	t->timeout_ms = cfg->timeout_ms;
	t->max_body = INSI_MAX_BODY;
	t->stop = stop;
	t->stop_ctx = stop_ctx;
}

/* Status and body to a result: a SOAP fault wins over the status, as SOAP 1.2 sends it
 * with 500; any other non-200 answer is an HTTP error. */
static int read_answer(const struct http_target *t, const struct http_response *resp,
		       struct insi_result *r, struct insi_error *e)
{
	int rc = insi_parse_response(resp->body ? resp->body : "", resp->len, r, e);
	char hint[128];

	if (e && resp->status != 200)
		e->http_status = resp->status;
	if (resp->status == 200 || rc == INSI_ERR_FAULT)
		return rc;
	memset(r, 0, sizeof *r);
	fail(e, INSI_ERR_HTTP, "Le service INSi a répondu par une erreur HTTP %ld%s", resp->status,
	     http_status_hint(t, resp->status, hint, sizeof hint));
	return INSI_ERR_HTTP;
}

static int post(const struct insi_config *cfg, const char *action, const char *body,
		insi_stop_fn stop, void *stop_ctx, struct insi_result *r, struct insi_error *e)
{
	static const char *const headers[] = { "Accept: application/soap+xml", NULL };
	struct http_response resp;
	struct http_target t;
	char ctype[256], msg[sizeof e->message];
	int rc;

	make_target(cfg, stop, stop_ctx, &t);
	snprintf(ctype, sizeof ctype, "application/soap+xml; charset=utf-8; action=\"%s\"", action);
	rc = http_request(&t, "POST", cfg->endpoint, headers, ctype, body, strlen(body), NULL, NULL,
			  &resp, msg, sizeof msg);
	if (rc == HTTP_ERR_TOO_BIG)
		return fail(e, INSI_ERR_PARSE, "%s", msg);
	if (rc)
		return fail(e, rc, "%s", msg); /* the same values as INSI_ERR_* */
	rc = read_answer(&t, &resp, r, e);
	http_response_free(&resp);
	return rc;
}

static int call(const struct insi_config *cfg, const char *action, char *request,
		insi_stop_fn stop, void *stop_ctx, struct insi_result *r, struct insi_error *e)
{
	int rc;

	if (!request)
		return e ? e->kind : INSI_ERR_INPUT;
	rc = post(cfg, action, request, stop, stop_ctx, r, e);
	free(request);
	return rc;
}

static int new_ids(char *msgid, size_t size, char *now, size_t nsize, struct insi_error *e)
{
	char uuid[37];

	if (insi_new_uuid(uuid))
		return fail(e, INSI_ERR_CONFIG, "Générateur aléatoire indisponible (OpenSSL) : "
			    "identifiant de message impossible");
	snprintf(msgid, size, "uuid:%s", uuid);
	insi_now_utc(now, nsize);
	return 0;
}

int insi_search_traits(const struct insi_config *cfg, const struct insi_traits_query *q,
		       insi_stop_fn stop, void *stop_ctx, struct insi_result *r, struct insi_error *e)
{
	char msgid[48], now[40];
	struct http_target t;

	memset(r, 0, sizeof *r);
	err_clear(e);
	make_target(cfg, stop, stop_ctx, &t);
	/* Input first: traits that cannot be sent are refused even without a configuration. */
	if (check_traits(q, e) || check_transport(cfg, &t, e) ||
	    new_ids(msgid, sizeof msgid, now, sizeof now, e))
		return e ? e->kind : INSI_ERR_INPUT;
	return call(cfg, ACTION_TRAITS, insi_build_traits_request(cfg, q, msgid, now, e), stop,
		    stop_ctx, r, e);
}

int insi_search_vitale(const struct insi_config *cfg, const struct insi_vitale_query *q,
		       insi_stop_fn stop, void *stop_ctx, struct insi_result *r, struct insi_error *e)
{
	char msgid[48], now[40];
	struct vitale_ids v;
	struct http_target t;

	memset(r, 0, sizeof *r);
	err_clear(e);
	make_target(cfg, stop, stop_ctx, &t);
	if (check_vitale(q, &v, e) || check_transport(cfg, &t, e) ||
	    new_ids(msgid, sizeof msgid, now, sizeof now, e))
		return e ? e->kind : INSI_ERR_INPUT;
	return call(cfg, ACTION_VITALE, insi_build_vitale_request(cfg, q, msgid, now, e), stop,
		    stop_ctx, r, e);
}

/* ------------------------------------------------------------------ printing */

static void print_ins_line(FILE *out, int i, const struct insi_ins *h)
{
	fprintf(out, "historique_%d: %s%s %s %s %s cle_valide=%s\n", i, h->num, h->key,
		h->oid[0] ? h->oid : "-", h->date_deb[0] ? h->date_deb : "-",
		h->date_fin[0] ? h->date_fin : "-", h->key_ok ? "oui" : "non");
}

static void print_active(FILE *out, const struct insi_ins *a)
{
	const char *type = ins_oid_type(a->oid);
	int expected = nir_compute_key(a->num);

	fprintf(out, "matricule: %s\ncle: %s\ncle_valide: %s\n", a->num, a->key,
		a->key_ok ? "oui" : "non");
	if (!a->key_ok && expected > 0)
		fprintf(out, "cle_attendue: %02d\n", expected);
	fprintf(out, "oid: %s\ntype: %s\n", a->oid, type ? type : "inconnu");
	if (a->type[0])
		fprintf(out, "type_matricule: %s\n", a->type);
}

void insi_result_print(FILE *out, const struct insi_result *r)
{
	fprintf(out, "cr: %s\nlibelle: %s\n", r->cr, r->cr_label);
	if (!r->has_individu)
		return;
	print_active(out, &r->active);
	fprintf(out, "nom_naissance: %s\nprenom: %s\nprenoms: %s\nsexe: %s\n", r->birth_name,
		r->first_name, r->first_names, r->sex);
	fprintf(out, "date_naissance: %s\nlieu_naissance: %s\n", r->birth_date, r->birth_cog);
	fprintf(out, "historique: %d\n", r->n_history_total);
	for (int i = 0; i < r->n_history; i++)
		print_ins_line(out, i + 1, &r->history[i]);
	if (r->n_history_total > r->n_history)
		fprintf(out, "historique_non_lus: %d\n", r->n_history_total - r->n_history);
	if (r->key_anomaly)
		fprintf(out, "anomalie: cle\n");
}

void insi_error_print(FILE *out, const struct insi_error *e)
{
	fprintf(out, "erreur: %s\n", e->kind == INSI_ERR_FAULT && e->code[0] ? e->code
											: insi_error_kind_name(e->kind));
	if (e->subcode[0])
		fprintf(out, "sous_code: %s\n", e->subcode);
	if (e->http_status)
		fprintf(out, "http: %ld\n", e->http_status);
	fprintf(out, "message: %s\n", e->message);
}

/* ------------------------------------------------------------------ global */

static int global_done;

void insi_global_init(void)
{
	if (global_done++)
		return;
	http_global_init();
	xmlInitParser();
}

void insi_global_cleanup(void)
{
	if (global_done == 0 || --global_done)
		return;
	http_global_cleanup();
	xmlCleanupParser();
}
