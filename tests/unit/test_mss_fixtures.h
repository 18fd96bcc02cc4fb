/* Test fixtures of the MSSanté reader, built in memory: CDA documents (CR-BIO N3 with results,
 * vaccination note, N1 PDF), METADATA.XML as the ANS XDM generator writes it, ZIP archives
 * (libzip) and MIME messages. Shared by tests/unit/test_mss.c and bench/bench_mss_parse.c. */
#ifndef VIGIE_TEST_MSS_FIXTURES_H
#define VIGIE_TEST_MSS_FIXTURES_H

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "net/mss.h"

#define FX_INS "279035121518989"
#define FX_OID "1.2.250.1.213.1.4.8"
#define FX_CX FX_INS "^^^&" FX_OID "&ISO^NH"
#define FX_PDF "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

/* The PDF used everywhere (the benchmark swaps in a bigger one). */
static const char *fx_pdf = FX_PDF;
static size_t fx_pdf_len = sizeof FX_PDF - 1;

/* One CR-BIO result: value, unit, reference range, interpretation ("" none). */
static inline void fx_result(GString *s, const char *code, const char *value, const char *unit,
			     const char *low, const char *high, const char *interp,
			     const char *range_interp, const char *extra)
{
	g_string_append_printf(s,
		"<entry typeCode=\"DRIV\"><act classCode=\"ACT\" moodCode=\"EVN\">"
		"<templateId root=\"1.3.6.1.4.1.19376.1.3.1\"/>"
		"<entryRelationship typeCode=\"COMP\">"
		"<observation classCode=\"OBS\" moodCode=\"EVN\">"
		"<templateId root=\"1.3.6.1.4.1.19376.1.3.1.6\"/>"
		"<templateId root=\"1.2.250.1.213.1.1.3.80\"/>"
		"<code code=\"%s\" codeSystem=\"2.16.840.1.113883.6.1\"/>"
		"<statusCode code=\"completed\"/><effectiveTime value=\"20240501\"/>"
		"<value xsi:type=\"PQ\" value=\"%s\" unit=\"%s\"/>", code, value, unit);
	if (interp[0])
		g_string_append_printf(s, "<interpretationCode code=\"%s\" "
				       "codeSystem=\"2.16.840.1.113883.5.83\"/>", interp);
	g_string_append_printf(s,
		"<referenceRange typeCode=\"REFV\"><observationRange moodCode=\"EVN.CRT\">"
		"<value xsi:type=\"IVL_PQ\"><low value=\"%s\" unit=\"%s\"/>"
		"<high value=\"%s\" unit=\"%s\"/></value>"
		"<interpretationCode code=\"%s\"/></observationRange></referenceRange>%s"
		"</observation></entryRelationship></act></entry>",
		low, unit, high, unit, range_interp, extra);
}

/* The CDA header shared by the fixtures (patient ins, document id, set id, version). */
static inline void fx_header(GString *s, const char *code, const char *label, const char *ins,
			     const char *id, const char *set_id, int version, const char *rplc)
{
	g_string_append_printf(s,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<ClinicalDocument xmlns=\"urn:hl7-org:v3\" "
		"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
		"xmlns:lab=\"urn:oid:1.3.6.1.4.1.19376.1.3.2\">\n"
		"<realmCode code=\"FR\"/><templateId root=\"2.16.840.1.113883.2.8.2.1\"/>"
		"<templateId root=\"1.2.250.1.213.1.1.1.1\"/>\n"
		"<id root=\"1.2.250.1.213.1.1.9\" extension=\"%s\"/>\n"
		"<code code=\"%s\" codeSystem=\"2.16.840.1.113883.6.1\" displayName=\"%s\"/>\n"
		"<title>%s</title><effectiveTime value=\"20240502081530+0200\"/>\n"
		"<confidentialityCode code=\"N\" codeSystem=\"2.16.840.1.113883.5.25\"/>"
		"<languageCode code=\"fr-FR\"/>\n"
		"<setId root=\"1.2.250.1.213.1.1.9\" extension=\"%s\"/>"
		"<versionNumber value=\"%d\"/>\n"
		"<recordTarget><patientRole><id root=\"1.2.250.1.213.1.4.8\" extension=\"%s\"/>"
		"<id root=\"1.2.250.1.999\" extension=\"IPP42\"/>"
		"<telecom value=\"mailto:%s@patient.mssante.fr\"/><patient>"
		"<name><given qualifier=\"BR\">Hélène</given><given>Hélène Marie</given>"
		"<given qualifier=\"CL\">Léna</given><family qualifier=\"BR\">MARTIN</family>"
		"<family qualifier=\"SP\">DUPONT</family></name>"
		"<administrativeGenderCode code=\"F\" codeSystem=\"2.16.840.1.113883.5.1\"/>"
		"<birthTime value=\"19790315\"/>"
		"<birthplace><place><addr><county>2A004</county></addr></place></birthplace>"
		"</patient></patientRole></recordTarget>\n"
		"<author><time value=\"20240502\"/><assignedAuthor>"
		"<id root=\"1.2.250.1.71.4.2.1\" extension=\"810001234567\"/>"
		"<code code=\"G15_10/SM29\" displayName=\"Biologie médicale\"/>"
		"<assignedPerson><name><prefix>DR</prefix><given>Paul</given><family>LABO</family>"
		"</name></assignedPerson><representedOrganization><name>Laboratoire des Lilas"
		"</name></representedOrganization></assignedAuthor></author>\n"
		"<documentationOf><serviceEvent><effectiveTime><low value=\"20240501073000+0200\"/>"
		"<high value=\"20240502080000+0200\"/></effectiveTime></serviceEvent>"
		"</documentationOf>\n",
		id, code, label, label, set_id, version, ins, ins);
	if (rplc && rplc[0])
		g_string_append_printf(s, "<relatedDocument typeCode=\"RPLC\"><parentDocument>"
				       "<id root=\"1.2.250.1.213.1.1.9\" extension=\"%s\"/>"
				       "</parentDocument></relatedDocument>\n", rplc);
}

static inline void fx_pdf_section(GString *s)
{
	char *b64 = g_base64_encode((const guchar *)fx_pdf, fx_pdf_len);

	g_string_append_printf(s,
		"<component><section><templateId root=\"1.2.250.1.213.1.1.2.243\"/>"
		"<code code=\"55108-5\"/><title>Copie du document</title><text>"
		"<renderMultiMedia referencedObject=\"doc-1\"/></text>"
		"<entry><organizer classCode=\"CLUSTER\" moodCode=\"EVN\">"
		"<templateId root=\"1.2.250.1.213.1.1.3.18\"/><statusCode code=\"completed\"/>"
		"<component><observation classCode=\"OBS\" moodCode=\"EVN\">"
		"<code code=\"69764-9\"/><value xsi:type=\"CD\" code=\"55108-5\"/></observation>"
		"</component><component><observationMedia classCode=\"OBS\" moodCode=\"EVN\" "
		"ID=\"doc-1\"><value mediaType=\"application/pdf\" representation=\"B64\">%s"
		"</value></observationMedia></component></organizer></entry></section></component>",
		b64);
	g_free(b64);
}

/*
 * CR-BIO N3: potassium 5.9 H (abnormal, also out of range), creatinine 140 without code but
 * above its range (abnormal), sodium 140 N in range whose previous result (REFR) was H and
 * whose reference range says HH (neither counted): 2 abnormal results.
 */
static inline char *fx_crbio(const char *ins, const char *id, const char *set_id, int version,
			     const char *rplc, int pdf_copy, size_t *len)
{
	GString *s = g_string_new(NULL);

	fx_header(s, "11502-2", "CR d'examens biologiques", ins, id, set_id, version, rplc);
	g_string_append(s, "<component><structuredBody><component><section>"
			"<templateId root=\"1.3.6.1.4.1.19376.1.3.3.2.1\"/>"
			"<code code=\"18719-5\"/><title>Biochimie</title><text>Ionogramme</text>");
	fx_result(s, "2823-3", "5.9", "mmol/L", "3.5", "5.0", "H", "N", "");
	fx_result(s, "2160-0", "140", "umol/L", "45", "84", "", "N", "");
	fx_result(s, "2951-2", "140", "mmol/L", "135", "145", "N", "HH",
		  "<entryRelationship typeCode=\"REFR\"><observation classCode=\"OBS\" "
		  "moodCode=\"EVN\"><templateId root=\"1.3.6.1.4.1.19376.1.3.1.6\"/>"
		  "<code code=\"2951-2\"/><effectiveTime value=\"20230101\"/>"
		  "<value xsi:type=\"PQ\" value=\"150\" unit=\"mmol/L\"/>"
		  "<interpretationCode code=\"H\"/></observation></entryRelationship>");
	g_string_append(s, "</section></component>");
	if (pdf_copy)
		fx_pdf_section(s);
	g_string_append(s, "</structuredBody></component>\n</ClinicalDocument>\n");
	*len = s->len;
	return g_string_free(s, FALSE);
}

/* Vaccination note (N3, no PDF copy). */
static inline char *fx_vacc(const char *ins, size_t *len)
{
	GString *s = g_string_new(NULL);

	fx_header(s, "87273-9", "Note de vaccination", ins, "VAC-1", "VAC-SET-1", 1, NULL);
	g_string_append(s, "<component><structuredBody><component><section>"
			"<code code=\"11369-6\"/><title>Vaccinations</title><text>Vaccin</text>"
			"<entry><substanceAdministration classCode=\"SBADM\" moodCode=\"EVN\">"
			"<effectiveTime value=\"20240502\"/></substanceAdministration></entry>"
			"</section></component></structuredBody></component>\n"
			"</ClinicalDocument>\n");
	*len = s->len;
	return g_string_free(s, FALSE);
}

/* N1: the PDF as a non-XML body. */
static inline char *fx_n1(const char *ins, size_t *len)
{
	GString *s = g_string_new(NULL);
	char *b64 = g_base64_encode((const guchar *)FX_PDF, strlen(FX_PDF));

	fx_header(s, "11490-0", "Lettre de liaison", ins, "N1-1", "N1-SET-1", 1, NULL);
	g_string_append_printf(s, "<component><nonXMLBody><text mediaType=\"application/pdf\" "
			       "representation=\"B64\">%s</text></nonXMLBody></component>\n"
			       "</ClinicalDocument>\n", b64);
	g_free(b64);
	*len = s->len;
	return g_string_free(s, FALSE);
}

/* Upper-case SHA-1, as the ANS generator writes the hash slot. */
static inline void fx_sha1_upper(const void *buf, size_t len, char out[41])
{
	mss_sha1_hex(buf, len, out);
	for (char *p = out; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 32);
}

/* METADATA.XML in the ANS generator's layout (ns5/ns2 prefixes, default rim namespace on
 * RegistryObjectList, comments, action slot first); uri may be IHE multi-part ("1|DOC00",
 * "2|01.XML" given as "1|DOC00\n2|01.XML"). action NULL: no slot. */
static inline char *fx_metadata(const char *uri, const char *hash, long long size,
				const char *cx, const char *action, const char *uid)
{
	GString *s = g_string_new(NULL);
	char **parts = g_strsplit(uri, "\n", 8), *xcx = g_markup_escape_text(cx, -1);

	g_string_append(s,
		"<ns5:SubmitObjectsRequest xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
		"xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
		"xmlns:ns5=\"urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0\">\r\n"
		"   <RegistryObjectList xmlns=\"urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0\">\r\n"
		"      <!--##################################################################-->\r\n"
		"      <!--RegistryPackage-->\r\n"
		"      <ns2:RegistryPackage xmlns:ns2=\"urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0\" "
		"id=\"urn:uuid:11111111-2222-3333-4444-555555555555\" "
		"status=\"urn:oasis:names:tc:ebxml-regrep:StatusType:Approved\">\r\n"
		"         <ns2:Slot name=\"submissionTime\"><ns2:ValueList><ns2:Value>20240502081530"
		"</ns2:Value></ns2:ValueList></ns2:Slot>\r\n"
		"      </ns2:RegistryPackage>\r\n"
		"      <!--Extrinsic object - CDA DOC0001.XML-->\r\n"
		"      <ns2:ExtrinsicObject mimeType=\"text/xml\" "
		"objectType=\"urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1\" "
		"id=\"urn:uuid:aaaaaaaa-2222-3333-4444-555555555555\" "
		"xmlns:ns2=\"urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0\" "
		"status=\"urn:oasis:names:tc:ebxml-regrep:StatusType:Approved\">\r\n");
	if (action)
		g_string_append_printf(s,
			"         <!--ExtraMetadata remplacement de document-->\r\n"
			"         <ns2:Slot name=\"urn:action:extraMetadataSlot\"><ns2:ValueList>"
			"<ns2:Value>%s</ns2:Value></ns2:ValueList></ns2:Slot>\r\n", action);
	g_string_append_printf(s,
		"         <ns2:Slot name=\"hash\"><ns2:ValueList><ns2:Value>%s</ns2:Value>"
		"</ns2:ValueList></ns2:Slot>\r\n"
		"         <ns2:Slot name=\"size\"><ns2:ValueList><ns2:Value>%lld</ns2:Value>"
		"</ns2:ValueList></ns2:Slot>\r\n"
		"         <ns2:Slot name=\"URI\"><ns2:ValueList>", hash, size);
	for (char **p = parts; *p; p++)
		g_string_append_printf(s, "<ns2:Value>%s</ns2:Value>", *p);
	g_string_append_printf(s,
		"</ns2:ValueList></ns2:Slot>\r\n"
		"         <ns2:Slot name=\"sourcePatientId\"><ns2:ValueList><ns2:Value>%s"
		"</ns2:Value></ns2:ValueList></ns2:Slot>\r\n"
		"         <ns2:Slot name=\"sourcePatientInfo\"><ns2:ValueList>"
		"<ns2:Value>PID-5|MARTIN^Hélène^Hélène Marie^^^^L</ns2:Value>"
		"<ns2:Value>PID-7|19790315</ns2:Value><ns2:Value>PID-8|F</ns2:Value>"
		"</ns2:ValueList></ns2:Slot>\r\n"
		"         <ns2:ExternalIdentifier id=\"urn:uuid:b1\" "
		"identificationScheme=\"urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427\" "
		"registryObject=\"urn:uuid:4a889fd4-012f-4000-e008-12c48372fe64\" value=\"%s\">"
		"<ns2:Name><ns2:LocalizedString value=\"XDSDocumentEntry.patientId\"/></ns2:Name>"
		"</ns2:ExternalIdentifier>\r\n"
		"         <ns2:ExternalIdentifier id=\"urn:uuid:b2\" "
		"identificationScheme=\"urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab\" "
		"registryObject=\"b576aac4-33be-4875-b875-f8ee50bf66e0\" value=\"%s\">"
		"<ns2:Name><ns2:LocalizedString xml:lang=\"FR\" charset=\"UTF8\" "
		"value=\"XDSDocumentEntry.uniqueId\"/></ns2:Name></ns2:ExternalIdentifier>\r\n"
		"      </ns2:ExtrinsicObject>\r\n"
		"      <ns2:Association xmlns:ns2=\"urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0\" "
		"id=\"urn:uuid:c1\" objectType=\"Original\" "
		"associationType=\"urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember\" "
		"sourceObject=\"urn:uuid:11111111-2222-3333-4444-555555555555\" "
		"targetObject=\"urn:uuid:aaaaaaaa-2222-3333-4444-555555555555\"/>\r\n"
		"   </RegistryObjectList>\r\n</ns5:SubmitObjectsRequest>\r\n", xcx, xcx, uid);
	g_strfreev(parts);
	g_free(xcx);
	return g_string_free(s, FALSE);
}

struct fx_entry {
	const char *name;
	const void *data;
	size_t len;
};

/* A ZIP of the entries (deflated unless store), malloc'd; NULL on a libzip failure. */
static inline unsigned char *fx_zip(const struct fx_entry *e, size_t n, int store, size_t *len)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	zip_stat_t st;
	unsigned char *out = NULL;

	*len = 0;
	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
	if (!za)
		return NULL;
	zip_source_keep(src);
	for (size_t i = 0; i < n; i++) {
		zip_source_t *s = e[i].data ? zip_source_buffer(za, e[i].data, e[i].len, 0) : NULL;
		zip_int64_t idx = s ? zip_file_add(za, e[i].name, s, ZIP_FL_ENC_UTF_8)
				    : zip_dir_add(za, e[i].name, ZIP_FL_ENC_UTF_8);

		if (idx < 0) {
			zip_source_free(s);
			return NULL;
		}
		zip_set_file_compression(za, (zip_uint64_t)idx, store ? ZIP_CM_STORE
								       : ZIP_CM_DEFLATE, 0);
	}
	if (zip_close(za) || zip_source_stat(src, &st) || zip_source_open(src))
		return NULL;
	out = malloc(st.size + 1);
	*len = out ? (size_t)zip_source_read(src, out, st.size) : 0;
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
	return out;
}

/* The ANS XDM layout around one CDA: INDEX.HTM, README.TXT, IHE_XDM/SUBSET01/ with
 * DOC0001.XML and METADATA.XML (meta NULL: none). */
static inline unsigned char *fx_xdm(const char *cda, size_t cda_len, const char *meta,
				    size_t *len)
{
	static const char index[] = "<html><body><a href=\"README.TXT\">README</a></body></html>";
	static const char readme[] = "Emetteur : Laboratoire des Lilas\r\nLogiciel : test\r\n";
	struct fx_entry e[] = {
		{ "INDEX.HTM", index, sizeof index - 1 },
		{ "README.TXT", readme, sizeof readme - 1 },
		{ "IHE_XDM/", NULL, 0 },
		{ "IHE_XDM/SUBSET01/", NULL, 0 },
		{ "IHE_XDM/SUBSET01/DOC0001.XML", cda, cda_len },
		{ "IHE_XDM/SUBSET01/METADATA.XML", meta, meta ? strlen(meta) : 0 },
	};

	return fx_zip(e, meta ? 6 : 5, 0, len);
}

/* A CR-BIO XDM archive with matching metadata (action "C", or NULL for none). */
static inline unsigned char *fx_crbio_xdm(const char *action, int pdf_copy, size_t *len)
{
	size_t cl;
	char *cda = fx_crbio(FX_INS, "BIO-1", "BIO-SET-1", 1, NULL, pdf_copy, &cl);
	char hash[41], *meta;
	unsigned char *zip;

	fx_sha1_upper(cda, cl, hash);
	meta = fx_metadata("DOC0001.XML", hash, (long long)cl, FX_CX, action,
			   "1.2.250.1.213.1.1.9^BIO-1");
	zip = fx_xdm(cda, cl, meta, len);
	g_free(cda);
	g_free(meta);
	return zip;
}

struct fx_part {
	const char *ctype;            /* full Content-Type value */
	const char *filename;         /* NULL: inline body */
	const void *data;
	size_t len;
};

/* A multipart/mixed message: headers (lines ending in \r\n) then the parts, attachments in
 * base64. */
static inline char *fx_mime(const char *headers, const struct fx_part *p, size_t n,
			    size_t *len)
{
	GString *s = g_string_new(headers);

	g_string_append(s, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
			"boundary=\"=_vigie_fx\"\r\n\r\nThis is a MIME message.\r\n");
	for (size_t i = 0; i < n; i++) {
		g_string_append_printf(s, "--=_vigie_fx\r\nContent-Type: %s\r\n", p[i].ctype);
		if (p[i].filename) {
			char *b64 = g_base64_encode(p[i].data, p[i].len);

			g_string_append_printf(s, "Content-Transfer-Encoding: base64\r\n"
					       "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
					       p[i].filename);
			for (size_t k = 0, bl = strlen(b64); k < bl; k += 76) {
				g_string_append_len(s, b64 + k, (gssize)(bl - k < 76 ? bl - k : 76));
				g_string_append(s, "\r\n");
			}
			g_free(b64);
		} else {
			g_string_append(s, "Content-Transfer-Encoding: 8bit\r\n\r\n");
			g_string_append_len(s, p[i].data, (gssize)p[i].len);
			g_string_append(s, "\r\n");
		}
	}
	g_string_append(s, "--=_vigie_fx--\r\n");
	*len = s->len;
	return g_string_free(s, FALSE);
}

#define FX_HEADERS \
	"From: \"Laboratoire des Lilas\" <labo.lilas@labo.mssante.fr>\r\n" \
	"To: dr.medecin@medecin.mssante.fr\r\n" \
	"Date: Thu, 02 May 2024 10:15:30 +0200\r\n" \
	"Message-ID: <bio-1@labo.mssante.fr>\r\n" \
	"Subject: XDM/1.0/DDM+CR d'examens biologiques MARTIN Hélène 15/03/1979\r\n" \
	"X-MSS-CODECDA: 11502-2\r\nX-Priority: 2\r\n"

/* The typical message: CR-BIO in IHE_XDM.ZIP (with its PDF copy) and the PDF beside it. */
static inline char *fx_typical(size_t *len)
{
	size_t zl;
	unsigned char *zip = fx_crbio_xdm("C", 1, &zl);
	static const char body[] = "Bonjour,\r\nveuillez trouver le compte rendu.\r\n";
	struct fx_part p[] = {
		{ "text/plain; charset=UTF-8", NULL, body, sizeof body - 1 },
		{ "application/zip; name=\"IHE_XDM.ZIP\"", "IHE_XDM.ZIP", zip, zl },
		{ "application/pdf; name=\"CR_MARTIN.pdf\"", "CR_MARTIN.pdf", fx_pdf, fx_pdf_len },
	};
	char *msg = fx_mime(FX_HEADERS, p, 3, len);

	free(zip);
	return msg;
}

#endif
