/* VIHF: the SAML 2.0 assertion naming the professional, the patient and the software in the
 * WS-Security header of every DMP request, signed (XML-DSig) with the organisation seal. */
#ifndef VIGIE_NET_VIHF_H
#define VIGIE_NET_VIHF_H

#include <stddef.h>
#include <time.h>

#include "core/dmp_types.h"

#define VIHF_NS_SAML "urn:oasis:names:tc:SAML:2.0:assertion"
#define VIHF_NS_DS "http://www.w3.org/2000/09/xmldsig#"

/*
 * The <saml:Assertion> element as text (malloc'd, NUL-terminated, no XML declaration), made
 * at time now for this actor and patient (the patient may be NULL: no resource-id). When
 * cfg->seal_cert and cfg->seal_key are set it carries an enveloped signature (exclusive c14n,
 * rsa-sha256, sha256 digest, the certificate in KeyInfo) and the Issuer is the seal's subject
 * DN; otherwise the Issuer is cfg->structure_id. Returns 0 with *out set, DMP_ERR_REFUSED
 * (no authenticated professional) or DMP_ERR_CONFIG (seal unreadable, no structure id), with
 * a French message in err.
 */
int vihf_build(const struct dmp_config *cfg, const struct dmp_actor *actor,
	       const struct dmp_patient *patient, time_t now, char **out, char *err,
	       size_t errsize);

/* "INS^^^&OID&ISO^NH" (HL7 v2 CX, as in XDS patientId and the VIHF resource-id). */
void vihf_patient_cx(const struct dmp_patient *p, char *buf, size_t size);

#endif
