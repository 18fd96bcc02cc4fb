/* Demo data set: fictitious cabinet, users and patients (incl. the public INSi test identities). */
#include "store/demo.h"
#include "store/embedded.h"
#include "store/patients.h"
#include "store/insi_store.h"
#include "store/users.h"
#include "core/identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCOLS 21

/* Split one TSV line in place; returns the number of fields. */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;

	f[n++] = line;
	for (char *c = line; *c && n < max; c++) {
		if (*c == '\t') {
			*c = '\0';
			f[n++] = c + 1;
		}
	}
	return n;
}

#define CP(dst, src) snprintf(dst, sizeof dst, "%s", src)

static int row_to_patient(char **f, struct patient *p)
{
	int st = id_status_from_code(f[11]);

	if (st < 0)
		return -1;
	CP(p->birth_name, f[0]);
	CP(p->used_name, f[1]);
	CP(p->first_name, f[2]);
	CP(p->birth_first_names, f[3]);
	CP(p->used_first_name, f[4]);
	CP(p->sex, f[5]);
	CP(p->birth_date, f[6]);
	CP(p->birth_cog, f[7]);
	CP(p->nir, f[8]);
	CP(p->ins_matricule, f[9]);
	CP(p->ins_oid, f[10]);
	p->id_status = st;
	p->id_attrs = (strstr(f[12], "homonyme") ? ID_ATTR_HOMONYME : 0) |
		      (strstr(f[12], "douteuse") ? ID_ATTR_DOUTEUSE : 0) |
		      (strstr(f[12], "fictive") ? ID_ATTR_FICTIVE : 0);
	CP(p->validation_mode, f[13]);
	CP(p->phone, f[14]);
	CP(p->mobile, f[15]);
	CP(p->email, f[16]);
	CP(p->address, f[17]);
	CP(p->postal_code, f[18]);
	CP(p->city, f[19]);
	p->notes = f[20];
	return 0;
}

static int add_users(struct store *st)
{
	struct user doc = { .login = "jmartin", .role = "medecin", .last_name = "MARTIN",
			    .first_name = "Jeanne", .rpps = "89900000001", .profession = "10",
			    .specialty = "SM54" };
	struct user sec = { .login = "secretariat", .role = "secretaire", .last_name = "ROCHE",
			    .first_name = "Sylvie" };
	int rc = cabinet_set(st, "Cabinet de démonstration des Volcans", "",
			     "12 rue Blatin, 63000 Clermont-Ferrand");

	if (!rc)
		rc = user_insert(st, &doc);
	if (!rc)
		rc = user_insert(st, &sec);
	return rc;
}

int demo_load(struct store *st, int *count)
{
	char *text, *save = NULL, *line;
	int rc, n = 0, lineno = 0;

	*count = 0;
	if (patient_count(st) > 0) {
		snprintf(st->err, sizeof st->err,
			 "La base contient déjà des patients : données de démonstration non ajoutées");
		return STORE_ERR_INVALID;
	}
	text = strdup(store_demo_data[0].text);
	if (!text) {
		snprintf(st->err, sizeof st->err, "Mémoire insuffisante");
		return STORE_ERR;
	}
	if ((rc = store_begin(st))) {
		free(text);
		return rc;
	}
	rc = add_users(st);
	for (line = strtok_r(text, "\n", &save); !rc && line; line = strtok_r(NULL, "\n", &save)) {
		char *f[NCOLS + 1];
		struct patient p;

		if (++lineno == 1)
			continue;   /* header */
		patient_init(&p);
		if (split_tabs(line, f, NCOLS + 1) != NCOLS || row_to_patient(f, &p)) {
			snprintf(st->err, sizeof st->err, "demo-patients.tsv:%d : ligne invalide",
				 lineno);
			rc = STORE_ERR_INVALID;
			break;
		}
		rc = patient_insert(st, &p);
		/* The demo NIR were read from the patients' own Vitale cards (see their notes):
		 * the INSi search by card (rechercherInsAvecCarteVitale) then comes first. */
		if (!rc && p.nir[0] && p.id_status != ID_RECUPEREE && p.id_status != ID_QUALIFIEE) {
			struct vitale_data v = { .rang = 1 };
			snprintf(v.nir_individu, sizeof v.nir_individu, "%s", p.nir);
			snprintf(v.nir_od, sizeof v.nir_od, "%s", p.nir);
			snprintf(v.birth_name, sizeof v.birth_name, "%s", p.birth_name);
			snprintf(v.birth_date, sizeof v.birth_date, "%s", p.birth_date);
			rc = vitale_set(st, p.id, &v);
		}
		p.notes = NULL;   /* points into text */
		n++;
	}
	free(text);
	if (rc) {
		store_rollback(st);
		return rc;
	}
	rc = store_commit(st);
	if (!rc)
		*count = n;
	return rc;
}
