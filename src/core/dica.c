/* DICA checklist (DOMAIN.md §2, DSR 3.2.3 SC.DMP/UX.13): D, I, C, A with state, reason, remedy. */
#include "core/dica.h"
#include "core/date.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const remedy_texts[] = {
	[DICA_REMEDY_NONE] = "",
	[DICA_REMEDY_WEATHER] = "Consulter la météo des services",
	[DICA_REMEDY_AUTHORIZE] = "Déclarer votre autorisation d'accès (TD0.3)",
	[DICA_REMEDY_RETRY] = "Interroger le DMP",
	[DICA_REMEDY_QUALIFY_INS] = "Qualifier l'INS",
	[DICA_REMEDY_CONSENT] = "Recueillir le consentement (ou bris de glace)",
	[DICA_REMEDY_SIGN_IN] = "Se connecter (Pro Santé Connect, CPS, e-CPS)",
};

static const char *const remedy_names[] = {
	[DICA_REMEDY_NONE] = "aucun",
	[DICA_REMEDY_WEATHER] = "meteo",
	[DICA_REMEDY_AUTHORIZE] = "autoriser",
	[DICA_REMEDY_RETRY] = "reessayer",
	[DICA_REMEDY_QUALIFY_INS] = "qualifier-ins",
	[DICA_REMEDY_CONSENT] = "consentement",
	[DICA_REMEDY_SIGN_IN] = "connexion",
};

#define NREMEDIES ((int)(sizeof remedy_names / sizeof *remedy_names))

static void set_line(struct dica_line *l, enum dica_state state, enum dica_remedy remedy,
		     const char *reason)
{
	l->state = state;
	l->remedy = remedy;
	snprintf(l->reason, sizeof l->reason, "%s", reason);
	snprintf(l->remedy_text, sizeof l->remedy_text, "%s",
		 (int)remedy < NREMEDIES ? remedy_texts[remedy] : "");
}

/* Local "HH:MM" of a UTC stamp "AAAA-MM-JJTHH:MM:SSZ": the practitioner reads wall time. */
static void hhmm(const char *stamp, char *out, size_t size)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (strlen(stamp) < 16 || !strptime(stamp, "%Y-%m-%dT%H:%M", &tm)) {
		snprintf(out, size, "?");
		return;
	}
	t = timegm(&tm);
	localtime_r(&t, &tm);
	strftime(out, size, "%H:%M", &tm);
}

static int ins_ok(const struct dica_input *in)
{
	return !in->douteuse && !in->fictive && in->has_ins && in->id_status &&
	       !strcmp(in->id_status, "qualifiee");
}

/* Why the DMP was not asked: the first blocking condition, and what lifts it. */
static void eval_d_not_asked(const struct dica_input *in, int consult_ok, struct dica_line *l)
{
	if (!consult_ok)
		set_line(l, DICA_UNKNOWN, DICA_REMEDY_CONSENT,
			 "Consentement non recueilli : le DMP n'est pas interrogé");
	else if (!ins_ok(in))
		set_line(l, DICA_UNKNOWN, in->douteuse || in->fictive ? DICA_REMEDY_NONE
			 : DICA_REMEDY_QUALIFY_INS, "INS non qualifiée : le DMP n'est pas interrogé");
	else if (!in->authenticated)
		set_line(l, DICA_UNKNOWN, DICA_REMEDY_SIGN_IN,
			 "Non authentifié : le DMP n'est pas interrogé");
	else
		set_line(l, DICA_UNKNOWN, DICA_REMEDY_RETRY, "DMP pas encore interrogé");
}

/* DMP active but this professional has no valid authorisation (EX_0.3-1010: TD0.3 only on
 * an explicit action, and only with the patient's consent). */
static void eval_d_authz(const struct dica_input *in, int bdg, struct dica_line *l)
{
	const struct dmp_status *s = &in->dmp;
	char why[160], end[16];

	if (bdg) {
		/* Bris de glace reaches an active DMP without authorisation (TRE_R248). */
		set_line(l, DICA_OK, DICA_REMEDY_NONE,
			 "DMP actif, accès en mode bris de glace (sans autorisation)");
		return;
	}
	if (s->authz == DMP_AUTHZ_EXPIRED && s->authz_end[0]) {
		date_iso_to_fr(s->authz_end, end, sizeof end);
		snprintf(why, sizeof why, "DMP actif, votre autorisation d'accès a expiré le %s", end);
	} else if (s->authz == DMP_AUTHZ_EXPIRED) {
		snprintf(why, sizeof why, "DMP actif, votre autorisation d'accès a expiré");
	} else if (s->authz == DMP_AUTHZ_NONE) {
		snprintf(why, sizeof why, "DMP actif, aucune autorisation d'accès à votre nom");
	} else {
		set_line(l, DICA_KO, DICA_REMEDY_RETRY,
			 "DMP actif, état de votre autorisation d'accès inconnu");
		return;
	}
	set_line(l, DICA_KO, in->consent.consultation ? DICA_REMEDY_AUTHORIZE : DICA_REMEDY_CONSENT,
		 why);
}

static void eval_d_active(const struct dica_input *in, int bdg, struct dica_line *l)
{
	const struct dmp_status *s = &in->dmp;
	char why[200], end[16];
	size_t n;

	if (s->authz == DMP_AUTHZ_BLOCKED) {
		/* Neither consent nor bris de glace lifts a block set by the patient. */
		set_line(l, DICA_KO, DICA_REMEDY_NONE, "Le patient a bloqué votre accès");
		return;
	}
	if (s->authz != DMP_AUTHZ_VALID) {
		eval_d_authz(in, bdg, l);
		return;
	}
	n = (size_t)snprintf(why, sizeof why, "DMP actif, accès autorisé");
	if (s->authz_end[0] && n < sizeof why) {
		date_iso_to_fr(s->authz_end, end, sizeof end);
		n += (size_t)snprintf(why + n, sizeof why - n, " jusqu'au %s", end);
	}
	if (s->treating_doctor && n < sizeof why)
		snprintf(why + n, sizeof why - n, " (médecin traitant DMP)");
	set_line(l, DICA_OK, DICA_REMEDY_NONE, why);
}

static void eval_d(const struct dica_input *in, int consult_ok, int bdg, struct dica_line *l)
{
	char why[200], date[16];

	snprintf(l->label, sizeof l->label, "DMP accessible");
	if (in->service_up == 0) {
		snprintf(why, sizeof why, "Service DMP indisponible%s%.150s",
			 in->service_error[0] ? " : " : "", in->service_error);
		set_line(l, DICA_KO, DICA_REMEDY_WEATHER, why);
		return;
	}
	if (!in->dmp_asked || in->dmp.state == DMP_STATE_UNKNOWN) {
		eval_d_not_asked(in, consult_ok, l);
		return;
	}
	switch (in->dmp.state) {
	case DMP_STATE_ABSENT:
		set_line(l, DICA_KO, DICA_REMEDY_NONE, "Pas de DMP pour ce patient");
		break;
	case DMP_STATE_CLOSED:
		date_iso_to_fr(in->dmp.closed_date, date, sizeof date);
		snprintf(why, sizeof why, "DMP fermé%s%s%s%.120s", date[0] ? " le " : "", date,
			 in->dmp.closed_reason[0] ? " : " : "", in->dmp.closed_reason);
		set_line(l, DICA_KO, DICA_REMEDY_NONE, why);
		break;
	default:
		eval_d_active(in, bdg, l);
	}
}

static void eval_i(const struct dica_input *in, struct dica_line *l)
{
	const char *st = in->id_status ? in->id_status : "";

	snprintf(l->label, sizeof l->label, "INS qualifiée");
	if (in->douteuse || in->fictive)
		/* RNIV: a doubtful or fictitious identity never carries an INS. */
		set_line(l, DICA_KO, DICA_REMEDY_NONE, in->douteuse
			 ? "Identité douteuse : pas d'accès au DMP"
			 : "Identité fictive : pas d'accès au DMP");
	else if (ins_ok(in))
		set_line(l, DICA_OK, DICA_REMEDY_NONE, "INS qualifiée");
	else if (!strcmp(st, "recuperee") && in->has_ins)
		set_line(l, DICA_KO, DICA_REMEDY_QUALIFY_INS,
			 "INS récupérée, non qualifiée : pièce d'identité à vérifier");
	else if (!strcmp(st, "validee"))
		set_line(l, DICA_KO, DICA_REMEDY_QUALIFY_INS,
			 "Identité validée sans INS : INS à récupérer (INSi)");
	else if (!strcmp(st, "provisoire"))
		set_line(l, DICA_KO, DICA_REMEDY_QUALIFY_INS,
			 "Identité provisoire : INS à récupérer et qualifier");
	else
		set_line(l, DICA_KO, DICA_REMEDY_QUALIFY_INS, "Pas d'INS qualifiée sur ce dossier");
}

static void eval_c(const struct dica_input *in, int bdg, struct dica_line *l)
{
	const struct dmp_consent *c = &in->consent;
	char why[200], date[16], iso[11], t[8];
	size_t n;

	snprintf(l->label, sizeof l->label, "Consentement");
	if (c->consultation) {
		snprintf(iso, sizeof iso, "%.10s", c->consultation_at);
		date_iso_to_fr(iso, date, sizeof date);
		n = (size_t)snprintf(why, sizeof why, "Consentement à la consultation recueilli%s%s"
				     "%s%.63s", date[0] ? " le " : "", date,
				     c->consultation_by[0] ? " par " : "", c->consultation_by);
	} else if (bdg) {
		hhmm(c->bdg_until, t, sizeof t);
		n = (size_t)snprintf(why, sizeof why, "Bris de glace actif jusqu'à %s", t);
	} else {
		if (c->bdg_until[0]) {
			hhmm(c->bdg_until, t, sizeof t);
			snprintf(why, sizeof why, "Bris de glace terminé à %s ; consentement "
				 "à la consultation non recueilli", t);
		} else {
			snprintf(why, sizeof why, "Consentement à la consultation non recueilli");
		}
		set_line(l, DICA_KO, DICA_REMEDY_CONSENT, why);
		return;
	}
	if (c->feeding_opposed && n < sizeof why)
		snprintf(why + n, sizeof why - n, " ; opposition à l'alimentation");
	set_line(l, DICA_OK, DICA_REMEDY_NONE, why);
}

static void eval_a(const struct dica_input *in, struct dica_line *l)
{
	char why[200];

	snprintf(l->label, sizeof l->label, "Authentification");
	if (in->authenticated) {
		snprintf(why, sizeof why, "Authentifié%s%.160s", in->auth_who[0] ? " : " : "",
			 in->auth_who);
		set_line(l, DICA_OK, DICA_REMEDY_NONE, why);
	} else {
		set_line(l, DICA_KO, DICA_REMEDY_SIGN_IN,
			 "Non authentifié : Pro Santé Connect, CPS ou e-CPS requis");
	}
}

void dica_evaluate(const struct dica_input *in, struct dica_result *out)
{
	const char *now = in->now ? in->now : "";
	int bdg = consent_bdg_active(&in->consent, now);
	int consult_ok = consent_allows_consultation(&in->consent, now);
	int i_ok;

	memset(out, 0, sizeof *out);
	eval_d(in, consult_ok, bdg, &out->line[DICA_D]);
	eval_i(in, &out->line[DICA_I]);
	eval_c(in, bdg, &out->line[DICA_C]);
	eval_a(in, &out->line[DICA_A]);
	out->all_ok = 1;
	for (int k = 0; k < DICA_COUNT; k++)
		out->all_ok &= out->line[k].state == DICA_OK;
	i_ok = out->line[DICA_I].state == DICA_OK;
	/* No DMP transaction without recorded consent, bris de glace aside; feeding needs no
	 * consultation consent but respects an opposition (DSR 3.2.3). */
	out->may_query = i_ok && consult_ok && in->authenticated && !in->douteuse && !in->fictive;
	out->may_feed = i_ok && consent_allows_feeding(&in->consent) && in->authenticated;
	out->bdg_active = bdg;
	if (bdg)
		snprintf(out->bdg_until, sizeof out->bdg_until, "%s", in->consent.bdg_until);
}

const char *dica_letter_name(enum dica_letter l)
{
	static const char *const names[DICA_COUNT] = { "D", "I", "C", "A" };

	return (int)l >= 0 && l < DICA_COUNT ? names[l] : "?";
}

const char *dica_state_name(enum dica_state s)
{
	switch (s) {
	case DICA_OK:
		return "ok";
	case DICA_KO:
		return "ko";
	default:
		return "inconnu";
	}
}

const char *dica_remedy_name(enum dica_remedy r)
{
	return (int)r >= 0 && (int)r < NREMEDIES ? remedy_names[r] : "aucun";
}
