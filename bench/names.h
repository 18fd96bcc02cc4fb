/* Realistic French name lists for generated fictitious patients. */
#ifndef VIGIE_STORE_NAMES_H
#define VIGIE_STORE_NAMES_H

#include <stddef.h>

#include "store/patients.h"

/* Common French surnames, UPPER CASE UTF-8 (accents, particles, compound names included). */
extern const char *const names_surnames[];
extern const size_t names_surnames_count;

/* Female and male first names, capitalised ("Chloé", "Marie-Thérèse"), listed roughly from
 * older to newer fashion so that a name can be matched to a birth year. */
extern const char *const names_first_f[];
extern const size_t names_first_f_count;
extern const char *const names_first_m[];
extern const size_t names_first_m_count;

/* Real French communes as "COG\tpostal code\tname", e.g. "63113\t63000\tClermont-Ferrand".
 * The first entries are around Clermont-Ferrand (used for residences); Paris, Lyon and
 * Marseille are given by municipal arrondissement, as INSEE codes births there. */
extern const char *const names_cities[];
extern const size_t names_cities_count;

/* Street names without number, e.g. "rue Blatin". */
extern const char *const names_streets[];
extern const size_t names_streets_count;

/*
 * Fill p with a realistic fictitious identity from the pseudo-random state *seed (xorshift64;
 * a zero seed is replaced by a fixed constant). The same seed always gives the same patient and
 * leaves the same next state. Birth dates between 1925 and 2025, ~40% of women over 25 with a
 * used (married) name, 2-3 birth first names for ~40%; status provisoire mostly, some validee
 * (with a validation mode). Never fills ins_matricule. nir is filled for ~70% with a
 * syntactically valid matricule with a correct key (consistent with sex, birth year/month,
 * birth COG). Phone numbers lie in the ranges ARCEP reserves for fiction, e-mail addresses in
 * example.fr. Identity, contact and status fields are overwritten; id, notes, created_at,
 * updated_at and version are left untouched.
 */
void names_generate_patient(unsigned long long *seed, struct patient *p);

#endif
