/* Unit tests of the MSSanté reader in vigie-net: CDA header additions (CR-BIO abnormal results,
 * names, birth place, care date), IHE_XDM.ZIP (METADATA.XML, actions, conflicts, hostile
 * archives) and whole MIME messages written to a temporary archive. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cda/cda_read.h"
#include "core/mss_wire.h"
#include "net/mss.h"
#include "test_mss_fixtures.h"

#define MAX_PART (30LL * 1024 * 1024)

static char tmp[256];

static void tmp_setup(void)
{
	snprintf(tmp, sizeof tmp, "%s/vigie-test-mss-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
									       : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void rm_rf(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[1024];

	while (d && (e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (!lstat(p, &st) && S_ISDIR(st.st_mode))
			rm_rf(p);
		else
			unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void tmp_teardown(void)
{
	rm_rf(tmp);
}

static int mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? -1 : (int)(st.st_mode & 07777);
}

/* Names in dir, sorted, space separated. */
static void list_dir(const char *dir, char *out, size_t size)
{
	struct dirent **v;
	int n = scandir(dir, &v, NULL, alphasort);

	out[0] = 0;
	for (int i = 0; i < n; i++) {
		if (v[i]->d_name[0] != '.')
			snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? " " : "",
				 v[i]->d_name);
		free(v[i]);
	}
	if (n >= 0)
		free(v);
}

static char *slurp(const char *path, size_t *len)
{
	gchar *c = NULL;
	gsize n = 0;

	ck_assert_msg(g_file_get_contents(path, &c, &n, NULL), "cannot read %s", path);
	*len = n;
	return c;
}

/* --------------------------------------------------------------- CDA header additions */

START_TEST(cda_crbio_abnormal_and_traits)
{
	size_t len;
	char *cda = fx_crbio(FX_INS, "BIO-1", "BIO-SET-1", 1, NULL, 1, &len), err[256];
	struct cda_header h;
	unsigned char *pdf = NULL;
	size_t pdf_len = 0;

	ck_assert_int_eq(cda_read(cda, len, &h, &pdf, &pdf_len, err, sizeof err), 0);
	/* H and out of range (counted once), out of range without code; the normal one with its
	 * H antériorité and its HH reference range is not counted. */
	ck_assert_int_eq(h.abnormal, 2);
	ck_assert_str_eq(h.patient_family, "MARTIN");
	ck_assert_str_eq(h.patient_used_family, "DUPONT");
	ck_assert_str_eq(h.patient_given, "Hélène");
	ck_assert_str_eq(h.patient_given_all, "Hélène Marie");
	ck_assert_str_eq(h.patient_birth_place, "2A004");
	ck_assert_str_eq(h.care_date, "20240501073000");
	ck_assert_str_eq(h.author_org, "Laboratoire des Lilas");
	ck_assert_str_eq(h.patient_ins, FX_INS);
	ck_assert_int_eq(h.has_pdf, 1);
	ck_assert_uint_eq(pdf_len, strlen(FX_PDF));
	free(pdf);
	g_free(cda);
}
END_TEST

START_TEST(cda_abnormal_variants)
{
	struct cda_header h;
	char err[256], *cda;
	size_t len;
	GString *s = g_string_new(NULL);

	/* Not a CR-BIO: -1. */
	cda = fx_vacc(FX_INS, &len);
	ck_assert_int_eq(cda_read(cda, len, &h, NULL, NULL, err, sizeof err), 0);
	ck_assert_int_eq(h.abnormal, -1);
	ck_assert_str_eq(h.code, "87273-9");
	g_free(cda);
	cda = fx_n1(FX_INS, &len);
	ck_assert_int_eq(cda_read(cda, len, &h, NULL, NULL, err, sizeof err), 0);
	ck_assert_int_eq(h.abnormal, -1);
	ck_assert_int_eq(h.level, 1);
	g_free(cda);

	/* Untemplated PQ observations, value under the low bound, POS, NEG, other unit. */
	fx_header(s, "11502-2", "CR d'examens biologiques", FX_INS, "B2", "S2", 1, NULL);
	g_string_append(s, "<component><structuredBody><component><section><entry>"
		"<observation><code code=\"1\"/><value xsi:type=\"PQ\" value=\"1,5e0\" unit=\"g/L\"/>"
		"</observation>"
		"<observation><code code=\"2\"/><value xsi:type=\"PQ\" value=\"0.2\" unit=\"g/L\"/>"
		"<referenceRange><observationRange><value xsi:type=\"IVL_PQ\"><low value=\"0.5\" "
		"unit=\"g/L\"/></value></observationRange></referenceRange></observation>"
		"<observation><code code=\"3\"/><value xsi:type=\"PQ\" value=\"1\" unit=\"mg/L\"/>"
		"<interpretationCode code=\"POS\"/></observation>"
		"<observation><code code=\"4\"/><value xsi:type=\"PQ\" value=\"9\" unit=\"mg/L\"/>"
		"<interpretationCode code=\"NEG\"/><referenceRange><observationRange>"
		"<value xsi:type=\"IVL_PQ\"><high value=\"5\" unit=\"g/L\"/></value>"
		"</observationRange></referenceRange></observation>"
		"</entry></section></component></structuredBody></component></ClinicalDocument>");
	ck_assert_int_eq(cda_read(s->str, s->len, &h, NULL, NULL, err, sizeof err), 0);
	ck_assert_int_eq(h.abnormal, 2);
	ck_assert_str_eq(h.patient_used_family, "DUPONT");
	g_string_free(s, TRUE);

	/* A bad document leaves abnormal at -1. */
	ck_assert_int_lt(cda_read("<x/>", 4, &h, NULL, NULL, err, sizeof err), 0);
	ck_assert_int_eq(h.abnormal, -1);
}
END_TEST

START_TEST(cda_names_in_two_elements)
{
	static const char cda[] =
		"<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><code code=\"X\"/>"
		"<recordTarget><patientRole><patient>"
		"<name><family qualifier=\"CL\">DURAND</family><given qualifier=\"CL\">Jo</given>"
		"</name><name><family qualifier=\"BR\">LEROY</family><given qualifier=\"BR\">Jean"
		"</given><given qualifier=\"BR\">Paul</given></name>"
		"<birthplace><place><addr><censusTract>99134</censusTract><county>bad</county>"
		"</addr></place></birthplace>"
		"</patient></patientRole></recordTarget>"
		"<documentationOf><serviceEvent><effectiveTime value=\"20240103\"/></serviceEvent>"
		"</documentationOf></ClinicalDocument>";
	struct cda_header h;
	char err[256];

	ck_assert_int_eq(cda_read(cda, sizeof cda - 1, &h, NULL, NULL, err, sizeof err), 0);
	ck_assert_str_eq(h.patient_family, "LEROY");
	ck_assert_str_eq(h.patient_used_family, "DURAND");
	ck_assert_str_eq(h.patient_given, "Jean");
	ck_assert_str_eq(h.patient_given_all, "Jean Paul");
	ck_assert_str_eq(h.patient_birth_place, "99134");
	ck_assert_str_eq(h.care_date, "20240103");
	ck_assert_str_eq(h.author_org, "");
}
END_TEST

/* --------------------------------------------------------------- XDM */

static struct mss_doc *only_doc(struct mss_message *m)
{
	ck_assert_uint_eq(m->n_docs, 1);
	return &m->docs[0];
}

START_TEST(xdm_crbio_with_metadata)
{
	size_t zl;
	unsigned char *zip = fx_crbio_xdm("C", 1, &zl);
	struct mss_message m = { 0 };
	struct mss_doc *d;
	char err[256], out[512], files[256], *back;
	size_t bl;

	snprintf(out, sizeof out, "%s/k1", tmp);
	ck_assert_int_eq(mss_read_xdm(zip, zl, out, MAX_PART, &m, err, sizeof err), 0);
	d = only_doc(&m);
	ck_assert_int_eq(d->kind, MSS_DOC_CDA);
	ck_assert_str_eq(d->name, "DOC0001.XML");
	ck_assert_str_eq(d->action, "C");
	ck_assert_str_eq(d->xdm_ins, FX_INS);
	ck_assert_str_eq(d->xdm_oid, FX_OID);
	ck_assert_str_eq(d->conflict, "");
	ck_assert_str_eq(d->error, "");
	ck_assert_str_eq(d->h.code, "11502-2");
	ck_assert_int_eq(d->h.abnormal, 2);
	ck_assert_str_eq(d->h.id, "1.2.250.1.213.1.1.9^BIO-1");
	ck_assert_int_eq(strlen(d->sha1), 40);
	/* Files: ours, 0600 in a 0700 directory; INDEX.HTM and README.TXT never extracted. */
	list_dir(out, files, sizeof files);
	ck_assert_str_eq(files, "DOC0001.XML DOC0001.pdf");
	ck_assert_int_eq(mode_of(out), 0700);
	ck_assert_int_eq(mode_of(d->file), 0600);
	ck_assert_int_eq(mode_of(d->pdf), 0600);
	back = slurp(d->file, &bl);
	ck_assert_int_eq((long long)bl, d->size);
	g_free(back);
	back = slurp(d->pdf, &bl);
	ck_assert_uint_eq(bl, strlen(FX_PDF));
	ck_assert(!memcmp(back, FX_PDF, bl));
	g_free(back);
	mss_message_free(&m);

	/* Read again over the same files (a message fetched twice): truncated, same result. */
	ck_assert_int_eq(mss_read_xdm(zip, zl, out, MAX_PART, &m, err, sizeof err), 0);
	ck_assert_str_eq(only_doc(&m)->error, "");
	mss_message_free(&m);
	/* No outdir: nothing written, same header. */
	ck_assert_int_eq(mss_read_xdm(zip, zl, NULL, MAX_PART, &m, err, sizeof err), 0);
	ck_assert_str_eq(only_doc(&m)->file, "");
	ck_assert_int_eq(only_doc(&m)->h.abnormal, 2);
	mss_message_free(&m);
	free(zip);
}
END_TEST

static void read_one(const char *cda, size_t cl, const char *meta, struct mss_message *m)
{
	size_t zl;
	unsigned char *zip = fx_xdm(cda, cl, meta, &zl);
	char err[256];

	memset(m, 0, sizeof *m);
	ck_assert_ptr_nonnull(zip);
	ck_assert_int_eq(mss_read_xdm(zip, zl, NULL, MAX_PART, m, err, sizeof err), 0);
	free(zip);
}

START_TEST(xdm_delete_replace_conflicts)
{
	struct mss_message m;
	struct mss_doc *d;
	size_t cl;
	char *cda, hash[41], *meta;

	/* Replacement: version 2, RPLC, action C; then the sender's deletion D. */
	cda = fx_crbio(FX_INS, "BIO-2", "BIO-SET-1", 2, "BIO-1", 1, &cl);
	fx_sha1_upper(cda, cl, hash);
	meta = fx_metadata("DOC0001.XML", hash, (long long)cl, FX_CX, "C", "x");
	read_one(cda, cl, meta, &m);
	d = only_doc(&m);
	ck_assert_int_eq(d->h.version, 2);
	ck_assert_str_eq(d->h.related_id, "1.2.250.1.213.1.1.9^BIO-1");
	ck_assert_str_eq(d->h.set_id, "1.2.250.1.213.1.1.9^BIO-SET-1");
	ck_assert_str_eq(d->action, "C");
	/* The uniqueId "x" differs from the CDA id. */
	ck_assert_str_eq(d->conflict, "Identifiant du document différent de METADATA.XML");
	mss_message_free(&m);
	g_free(meta);

	meta = fx_metadata("DOC0001.XML", hash, (long long)cl, FX_CX, "D",
			   "1.2.250.1.213.1.1.9^BIO-2");
	read_one(cda, cl, meta, &m);
	ck_assert_str_eq(only_doc(&m)->action, "D");
	ck_assert_str_eq(only_doc(&m)->conflict, "");
	mss_message_free(&m);
	g_free(meta);

	/* No action slot (what the ANS generator writes for a version 1). */
	meta = fx_metadata("DOC0001.XML", hash, (long long)cl, FX_CX, NULL,
			   "1.2.250.1.213.1.1.9^BIO-2");
	read_one(cda, cl, meta, &m);
	ck_assert_str_eq(only_doc(&m)->action, "");
	mss_message_free(&m);
	g_free(meta);

	/* sourcePatientId of another patient (&amp; left as text, as in some generators). */
	meta = fx_metadata("DOC0001.XML", hash, (long long)cl,
			   "288091234567823^^^&amp;1.2.250.1.213.1.4.8&amp;ISO^NH", "C",
			   "1.2.250.1.213.1.1.9^BIO-2");
	read_one(cda, cl, meta, &m);
	d = only_doc(&m);
	ck_assert_str_eq(d->xdm_ins, "288091234567823");
	ck_assert_str_eq(d->conflict, "Le patient du document (INS " FX_INS ") diffère de celui "
			 "des métadonnées XDM (INS 288091234567823)");
	mss_message_free(&m);
	g_free(meta);

	/* Hash and size that do not match; lower-case hash of the right bytes is fine. */
	meta = fx_metadata("DOC0001.XML", "0000000000000000000000000000000000000000",
			   (long long)cl, FX_CX, "C", "1.2.250.1.213.1.1.9^BIO-2");
	read_one(cda, cl, meta, &m);
	ck_assert_str_eq(only_doc(&m)->conflict, "Empreinte du document différente de METADATA.XML");
	mss_message_free(&m);
	g_free(meta);
	mss_sha1_hex(cda, cl, hash);
	meta = fx_metadata("1|DOC00\n2|01.XML", hash, (long long)cl + 1, FX_CX, "C",
			   "1.2.250.1.213.1.1.9^BIO-2");
	read_one(cda, cl, meta, &m);
	ck_assert_str_eq(only_doc(&m)->conflict, "Empreinte du document différente de METADATA.XML");
	ck_assert_str_eq(only_doc(&m)->error, "");
	mss_message_free(&m);
	g_free(meta);

	/* Metadata naming a missing file: an item with the reason. */
	meta = fx_metadata("DOC0009.XML", hash, (long long)cl, FX_CX, "C", "u");
	read_one(cda, cl, meta, &m);
	ck_assert_uint_eq(m.n_docs, 2);
	ck_assert_ptr_nonnull(strstr(m.docs[0].error, "absent de l'archive"));
	ck_assert_str_eq(m.docs[1].error, "");
	ck_assert_str_eq(m.docs[1].h.id, "1.2.250.1.213.1.1.9^BIO-2");
	mss_message_free(&m);
	g_free(meta);
	g_free(cda);
}
END_TEST

START_TEST(xdm_without_metadata_subsets_and_wrapper)
{
	size_t l1, l2, l3, zl;
	char *a = fx_vacc(FX_INS, &l1), *b = fx_n1(FX_INS, &l2);
	char *c = fx_crbio(FX_INS, "B", "S", 1, NULL, 0, &l3);
	struct fx_entry e[] = {
		{ "envoi/INDEX.HTM", "x", 1 },
		{ "envoi/IHE_XDM/SUBSET02/DOC0001.XML", c, l3 },
		{ "envoi/IHE_XDM/SUBSET01/DOC0002.XML", b, l2 },
		{ "envoi/IHE_XDM/SUBSET01/doc0001.xml", a, l1 },
		{ "envoi/IHE_XDM/SUBSET01/NOTES.TXT", "x", 1 },
	};
	unsigned char *zip = fx_zip(e, 5, 1, &zl);
	struct mss_message m = { 0 };
	char err[256];

	ck_assert_int_eq(mss_read_xdm(zip, zl, NULL, MAX_PART, &m, err, sizeof err), 0);
	ck_assert_uint_eq(m.n_docs, 3);
	ck_assert_str_eq(m.docs[0].h.code, "87273-9");
	ck_assert_str_eq(m.docs[1].h.code, "11490-0");
	ck_assert_int_eq(m.docs[1].h.has_pdf, 1);
	ck_assert_str_eq(m.docs[2].h.code, "11502-2");
	ck_assert_str_eq(m.docs[2].name, "DOC0003.XML");
	ck_assert_str_eq(m.docs[0].xdm_ins, "");
	mss_message_free(&m);
	free(zip);
	g_free(a);
	g_free(b);
	g_free(c);
}
END_TEST

START_TEST(xdm_hostile_names_and_not_zip)
{
	static const char *const bad[] = { "../../etc/passwd", "/abs", "a\\b",
					   "IHE_XDM/SUBSET01/../../../x", "C:/x" };
	struct mss_message m = { 0 };
	char err[256], out[512], files[256];

	snprintf(out, sizeof out, "%s/hostile", tmp);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct fx_entry e[] = { { "IHE_XDM/SUBSET01/DOC0001.XML", "<a/>", 4 },
					{ bad[i], "root::0:0", 9 } };
		size_t zl;
		unsigned char *zip = fx_zip(e, 2, i % 2, &zl);

		ck_assert_ptr_nonnull(zip);
		ck_assert_int_eq(mss_read_xdm(zip, zl, out, MAX_PART, &m, err, sizeof err), -1);
		ck_assert_msg(strstr(err, "nom de fichier dangereux"), "%s: %s", bad[i], err);
		ck_assert_uint_eq(m.n_docs, 0);
		free(zip);
	}
	list_dir(out, files, sizeof files);
	ck_assert_str_eq(files, "");
	ck_assert_int_eq(mss_read_xdm("PK\3\4 pas du tout une archive zip", 33, out, MAX_PART, &m,
				      err, sizeof err), -1);
	ck_assert_str_eq(err, "Archive IHE_XDM.ZIP illisible : ce n'est pas une archive ZIP");
	ck_assert_int_eq(mss_read_xdm("", 0, out, MAX_PART, &m, err, sizeof err), -1);
	ck_assert_uint_eq(m.n_docs, 0);
}
END_TEST

/* Patch the uncompressed size of every header of a one-entry archive. */
static void patch_size(unsigned char *zip, size_t len, unsigned int size)
{
	for (size_t i = 0; i + 30 < len; i++) {
		size_t at = 0;

		if (!memcmp(zip + i, "PK\3\4", 4))
			at = i + 22;
		else if (!memcmp(zip + i, "PK\1\2", 4))
			at = i + 24;
		if (at)
			for (int k = 0; k < 4; k++)
				zip[at + (size_t)k] = (unsigned char)(size >> (8 * k));
	}
}

START_TEST(xdm_zip_bombs)
{
	size_t n = 10u * 1024 * 1024, zl;
	char *zeros = calloc(n, 1), err[256];
	struct fx_entry e[] = { { "IHE_XDM/SUBSET01/DOC0001.XML", zeros, n } };
	unsigned char *zip = fx_zip(e, 1, 0, &zl);
	struct mss_message m = { 0 };
	struct timespec t0, t1;

	ck_assert_ptr_nonnull(zip);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Honest header, ratio ~1000: refused before inflating. */
	ck_assert_int_eq(mss_read_xdm(zip, zl, NULL, MAX_PART, &m, err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(only_doc(&m)->error, "taux de compression anormal"));
	ck_assert_str_eq(only_doc(&m)->sha1, "");
	mss_message_free(&m);
	/* Declared 1 GB: the whole archive is refused from the central directory. */
	patch_size(zip, zl, 1024u * 1024 * 1024);
	ck_assert_int_eq(mss_read_xdm(zip, zl, NULL, MAX_PART, &m, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "bombe ZIP"), "%s", err);
	ck_assert_uint_eq(m.n_docs, 0);
	/* Declared 3000 bytes (a lie): the inflater is stopped one byte past it. */
	patch_size(zip, zl, 3000);
	ck_assert_int_eq(mss_read_xdm(zip, zl, NULL, MAX_PART, &m, err, sizeof err), 0);
	ck_assert_msg(only_doc(&m)->error[0], "a lying size must be refused");
	ck_assert_str_eq(only_doc(&m)->sha1, "");
	mss_message_free(&m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000,
			 2000);
	free(zip);
	free(zeros);
}
END_TEST

START_TEST(xdm_hostile_xml)
{
	static const char xxe[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
		"<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>&e;</title></ClinicalDocument>";
	struct mss_message m;
	size_t cl;
	char *cda = fx_crbio(FX_INS, "B", "S", 1, NULL, 0, &cl), hash[41], *meta, *bad;

	/* DOCTYPE in the CDA: the document is refused, nothing read from it. */
	read_one(xxe, sizeof xxe - 1, NULL, &m);
	ck_assert_msg(strstr(only_doc(&m)->error, "DTD"), "%s", only_doc(&m)->error);
	ck_assert_str_eq(only_doc(&m)->h.title, "");
	mss_message_free(&m);
	/* DOCTYPE in METADATA.XML: the documents are read but flagged, actions ignored. */
	fx_sha1_upper(cda, cl, hash);
	meta = fx_metadata("DOC0001.XML", hash, (long long)cl, FX_CX, "D", "u");
	bad = g_strconcat("<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"aaaa\">]>\n",
			  meta, NULL);
	read_one(cda, cl, bad, &m);
	ck_assert_msg(strstr(only_doc(&m)->error, "Métadonnées XDM"), "%s", only_doc(&m)->error);
	ck_assert_str_eq(only_doc(&m)->action, "");
	ck_assert_str_eq(only_doc(&m)->h.code, "11502-2");
	mss_message_free(&m);
	g_free(bad);
	g_free(meta);
	g_free(cda);
}
END_TEST

/* --------------------------------------------------------------- MIME */

static char *write_tmp(const char *name, const void *buf, size_t len)
{
	char *path = g_strdup_printf("%s/%s", tmp, name);

	ck_assert(g_file_set_contents(path, buf, (gssize)len, NULL));
	return path;
}

START_TEST(mime_typical_crbio)
{
	size_t len;
	char *msg = fx_typical(&len), *file = write_tmp("in.eml", msg, len), err[256];
	char archive[512], files[256], dir[600], sha[41];
	struct mss_message m;
	struct mss_doc *d;

	snprintf(archive, sizeof archive, "%s/archive", tmp);
	ck_assert_int_eq(mss_read_message(file, archive, "7-42", MAX_PART, &m, err, sizeof err), 0);
	ck_assert_str_eq(m.file, file);
	ck_assert_str_eq(m.key, "7-42");
	ck_assert_str_eq(m.from, "labo.lilas@labo.mssante.fr");
	ck_assert_str_eq(m.from_name, "Laboratoire des Lilas");
	ck_assert_int_eq(m.sender, MSS_SENDER_PRO);
	ck_assert_str_eq(m.subject, "CR d'examens biologiques MARTIN Hélène 15/03/1979");
	ck_assert_str_eq(m.date, "20240502081530");
	ck_assert_str_eq(m.message_id, "bio-1@labo.mssante.fr");
	ck_assert_int_eq(m.urgent, 1);
	ck_assert_str_eq(m.error, "");
	mss_sha1_hex(msg, len, sha);
	ck_assert_str_eq(m.sha1, sha);
	ck_assert_int_eq(m.size, (long long)len);
	/* The CDA carries its own PDF copy: the PDF beside the archive is not another item. */
	d = only_doc(&m);
	ck_assert_int_eq(d->kind, MSS_DOC_CDA);
	ck_assert_int_eq(d->h.abnormal, 2);
	ck_assert_str_eq(d->action, "C");
	snprintf(dir, sizeof dir, "%s/7-42", archive);
	ck_assert_int_eq(mode_of(dir), 0700);
	list_dir(dir, files, sizeof files);
	ck_assert_str_eq(files, "DOC0001.XML DOC0001.pdf PJ02.pdf");
	ck_assert_ptr_nonnull(strstr(d->pdf, "/7-42/DOC0001.pdf"));
	mss_message_free(&m);

	/* The same from memory without archive: nothing written, same reading. */
	ck_assert_int_eq(mss_read_message_mem(msg, len, NULL, NULL, MAX_PART, &m, err, sizeof err),
			 0);
	ck_assert_uint_eq(m.n_docs, 1);
	ck_assert_str_eq(m.docs[0].file, "");
	ck_assert_str_eq(m.sha1, sha);
	mss_message_free(&m);
	/* A key that would leave the archive. */
	ck_assert_int_eq(mss_read_message(file, archive, "../x", MAX_PART, &m, err, sizeof err),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "Clé d'archive"));
	ck_assert_int_eq(mss_read_message("/nonexistent/x.eml", archive, "k", MAX_PART, &m, err,
					  sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "illisible"));
	g_free(file);
	g_free(msg);
}
END_TEST

START_TEST(mime_vacc_with_pdf_becomes_copy)
{
	size_t cl, zl, len;
	char *cda = fx_vacc(FX_INS, &cl), hash[41], *meta, err[256], archive[512], files[256];
	char dir[600];
	unsigned char *zip;
	struct mss_message m;
	struct fx_part p[3];
	char *msg;

	fx_sha1_upper(cda, cl, hash);
	meta = fx_metadata("DOC0001.XML", hash, (long long)cl, FX_CX, NULL, "u");
	zip = fx_xdm(cda, cl, meta, &zl);
	/* The PDF first, the archive as octet-stream under another name (found by content). */
	p[0] = (struct fx_part){ "application/pdf", "Note vaccination.pdf", FX_PDF,
				 sizeof FX_PDF - 1 };
	p[1] = (struct fx_part){ "application/octet-stream", "envoi.bin", zip, zl };
	p[2] = (struct fx_part){ "image/png", "photo.PNG", "\x89PNG", 4 };
	msg = fx_mime(FX_HEADERS, p, 3, &len);
	snprintf(archive, sizeof archive, "%s/archive", tmp);
	ck_assert_int_eq(mss_read_message_mem(msg, len, archive, "import-1", MAX_PART, &m, err,
					      sizeof err), 0);
	ck_assert_uint_eq(m.n_docs, 2);
	ck_assert_int_eq(m.docs[0].kind, MSS_DOC_CDA);
	ck_assert_str_eq(m.docs[0].h.code, "87273-9");
	ck_assert_ptr_nonnull(strstr(m.docs[0].pdf, "/import-1/DOC0001.pdf"));
	ck_assert_int_eq(m.docs[1].kind, MSS_DOC_OTHER);
	ck_assert_str_eq(m.docs[1].name, "photo.PNG");
	ck_assert_str_eq(m.docs[1].mime, "image/png");
	ck_assert_int_eq(m.docs[1].seq, 2);
	ck_assert_int_eq(m.docs[1].size, 4);
	snprintf(dir, sizeof dir, "%s/import-1", archive);
	list_dir(dir, files, sizeof files);
	ck_assert_str_eq(files, "DOC0001.XML DOC0001.pdf PJ03.png");
	ck_assert_int_eq(mode_of(m.docs[0].pdf), 0600);
	mss_message_free(&m);
	free(zip);
	g_free(meta);
	g_free(cda);
	g_free(msg);
}
END_TEST

START_TEST(mime_patient_text_and_plain_mails)
{
	static const char patient[] =
		"From: 279035121518989@patient.mssante.fr\r\nTo: dr@medecin.mssante.fr\r\n"
		"Subject: =?UTF-8?B?WERNLzEuMC9ERE0rUXVlc3Rpb24gc3VyIG1lcyByw6lzdWx0YXRz?=\r\n"
		"Date: Fri, 03 May 2024 23:30:00 -0100\r\nPriority: urgent\r\n"
		"Content-Type: text/plain; charset=UTF-8\r\n\r\nBonjour docteur, une question.\r\n";
	static const char html[] =
		"From: Secr\xe9tariat <secretariat@chu.mssante.fr>\r\nSubject: Rendez-vous\r\n"
		"Date: garbage\r\nMIME-Version: 1.0\r\n"
		"Content-Type: text/html; charset=ISO-8859-1\r\n\r\n"
		"<html><head><style>p{}</style></head><body><p>Rendez-vous le 5 mai &agrave; "
		"10&nbsp;h</p><br>Caf\xe9 &#233;t&#xE9;<script>alert(1)</script></body></html>\r\n";
	struct mss_message m;
	char err[256], archive[512];
	char *text;
	size_t tl;

	snprintf(archive, sizeof archive, "%s/archive", tmp);
	ck_assert_int_eq(mss_read_message_mem(patient, sizeof patient - 1, archive, "p1", MAX_PART,
					      &m, err, sizeof err), 0);
	ck_assert_int_eq(m.sender, MSS_SENDER_PATIENT);
	ck_assert_str_eq(m.subject, "Question sur mes résultats");
	ck_assert_str_eq(m.date, "20240504003000");
	ck_assert_int_eq(m.urgent, 1);
	ck_assert_int_eq(only_doc(&m)->kind, MSS_DOC_TEXT);
	ck_assert_str_eq(m.docs[0].h.patient_ins, FX_INS);
	ck_assert_str_eq(m.docs[0].h.patient_oid, "");
	ck_assert_str_eq(m.docs[0].name, "corps.txt");
	ck_assert_ptr_nonnull(strstr(m.docs[0].file, "/p1/corps.txt"));
	text = slurp(m.docs[0].file, &tl);
	ck_assert_str_eq(text, "Bonjour docteur, une question.\r\n");
	g_free(text);
	mss_message_free(&m);

	ck_assert_int_eq(mss_read_message_mem(html, sizeof html - 1, archive, "p2", MAX_PART, &m,
					      err, sizeof err), 0);
	ck_assert_int_eq(m.sender, MSS_SENDER_PRO);
	ck_assert_str_eq(m.from_name, "Secrétariat");
	ck_assert_str_eq(m.date, "");
	ck_assert_int_eq(m.urgent, 0);
	ck_assert_int_eq(only_doc(&m)->kind, MSS_DOC_TEXT);
	ck_assert_str_eq(m.docs[0].h.patient_ins, "");
	text = slurp(m.docs[0].file, &tl);
	ck_assert_msg(!strcmp(text, "Rendez-vous le 5 mai à 10 h\n\nCafé été "), "[%s]", text);
	g_free(text);
	mss_message_free(&m);
}
END_TEST

START_TEST(mime_pdf_only_and_n1)
{
	static const char hdr[] = "From: a@b.mssante.fr\r\nSubject: XDM/1.0/DDM CR\r\n";
	size_t len, cl;
	char *cda = fx_n1(FX_INS, &cl), *msg, err[256], archive[512];
	struct fx_part p[] = {
		{ "application/pdf; name=\"=?UTF-8?Q?Compte_rendu_=C3=A9cho.pdf?=\"", NULL, NULL, 0 },
		{ "application/octet-stream", "scan.pdf", FX_PDF, sizeof FX_PDF - 1 },
	};
	struct mss_message m;

	p[0].filename = "Compte rendu écho.pdf";
	p[0].data = FX_PDF;
	p[0].len = sizeof FX_PDF - 1;
	msg = fx_mime(hdr, p, 2, &len);
	snprintf(archive, sizeof archive, "%s/archive", tmp);
	ck_assert_int_eq(mss_read_message_mem(msg, len, archive, "pdf", MAX_PART, &m, err,
					      sizeof err), 0);
	ck_assert_str_eq(m.subject, "CR");
	ck_assert_uint_eq(m.n_docs, 2);
	ck_assert_int_eq(m.docs[0].kind, MSS_DOC_PDF);
	ck_assert_str_eq(m.docs[0].name, "Compte rendu écho.pdf");
	ck_assert_ptr_nonnull(strstr(m.docs[0].file, "/pdf/PJ01.pdf"));
	ck_assert_int_eq(m.docs[0].size, (long long)sizeof FX_PDF - 1);
	ck_assert_int_eq(m.docs[1].kind, MSS_DOC_PDF);
	ck_assert_str_eq(m.docs[1].name, "scan.pdf");
	ck_assert_int_eq(mode_of(m.docs[1].file), 0600);
	mss_message_free(&m);
	g_free(msg);

	/* An N1 CDA in the archive: its PDF copy is the non-XML body. */
	{
		size_t zl;
		unsigned char *zip = fx_xdm(cda, cl, NULL, &zl);
		struct fx_part q[] = { { "application/zip", "ihe_xdm.zip", zip, zl } };

		msg = fx_mime(hdr, q, 1, &len);
		ck_assert_int_eq(mss_read_message_mem(msg, len, archive, "n1", MAX_PART, &m, err,
						      sizeof err), 0);
		ck_assert_int_eq(only_doc(&m)->h.level, 1);
		ck_assert_ptr_nonnull(strstr(m.docs[0].pdf, "/n1/DOC0001.pdf"));
		mss_message_free(&m);
		free(zip);
		g_free(msg);
	}
	g_free(cda);
}
END_TEST

START_TEST(mime_bad_zip_and_malformed)
{
	static const char hdr[] = "From: a@b.mssante.fr\r\nSubject: test\r\n";
	static const char truncated[] =
		"From: a@b.mssante.fr\r\nSubject: tronque\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n"
		"Content-Type: text/plain\r\n\r\nDebut du texte\r\n--B\r\n"
		"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
		"Content-Disposition: attachment; filename=\"a.pdf\"\r\n\r\nJVBERi0xLjQK";
	static const char noboundary[] =
		"Subject: x\r\nContent-Type: multipart/mixed\r\n\r\n--\r\nrien\r\n";
	struct fx_part p[] = { { "application/zip", "IHE_XDM.ZIP", "ceci n'est pas un zip", 21 } };
	struct mss_message m;
	char err[256], *msg, garbage[4096];
	size_t len;

	msg = fx_mime(hdr, p, 1, &len);
	ck_assert_int_eq(mss_read_message_mem(msg, len, NULL, NULL, MAX_PART, &m, err, sizeof err),
			 0);
	ck_assert_int_eq(only_doc(&m)->kind, MSS_DOC_OTHER);
	ck_assert_str_eq(m.docs[0].name, "IHE_XDM.ZIP");
	ck_assert_str_eq(m.docs[0].error, "Archive IHE_XDM.ZIP illisible : ce n'est pas une "
			 "archive ZIP");
	mss_message_free(&m);
	g_free(msg);

	ck_assert_int_eq(mss_read_message_mem(truncated, sizeof truncated - 1, NULL, NULL,
					      MAX_PART, &m, err, sizeof err), 0);
	ck_assert_msg(strstr(m.error, "Message MIME mal formé"), "[%s]", m.error);
	ck_assert_uint_ge(m.n_docs, 1);
	ck_assert_str_eq(m.subject, "tronque");
	mss_message_free(&m);

	ck_assert_int_eq(mss_read_message_mem(noboundary, sizeof noboundary - 1, NULL, NULL,
					      MAX_PART, &m, err, sizeof err), 0);
	ck_assert_uint_ge(m.n_docs, 1);
	mss_message_free(&m);

	srand(7);
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof garbage; i++)
			garbage[i] = (char)(rand() % 256);
		if (round % 2)
			memcpy(garbage, "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n", 51);
		ck_assert_int_eq(mss_read_message_mem(garbage, sizeof garbage, NULL, NULL, MAX_PART,
						      &m, err, sizeof err), 0);
		ck_assert_uint_ge(m.n_docs, 1);
		mss_message_free(&m);
	}
	ck_assert_int_eq(mss_read_message_mem("", 0, NULL, NULL, MAX_PART, &m, err, sizeof err), 0);
	ck_assert_uint_ge(m.n_docs, 1);
	ck_assert_msg(m.error[0] || m.docs[0].kind == MSS_DOC_TEXT, "empty message");
	mss_message_free(&m);
}
END_TEST

/* A 40,4 Mo attachment with a 30 Mo limit, streamed into the message file. */
START_TEST(mime_big_attachment_not_extracted)
{
	char *path = g_strdup_printf("%s/big.eml", tmp), err[256], archive[512], files[256];
	char dir[600];
	FILE *f = fopen(path, "wb");
	size_t total = 40u * 1048576 + 419431, done = 0;
	unsigned char chunk[57 * 1000];
	struct mss_message m;
	struct timespec t0, t1;

	ck_assert_ptr_nonnull(f);
	fputs("From: a@b.mssante.fr\r\nSubject: gros\r\nMIME-Version: 1.0\r\n"
	      "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n"
	      "Content-Type: text/plain\r\n\r\nVoir la piece jointe.\r\n--B\r\n"
	      "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
	      "Content-Disposition: attachment; filename=\"gros.pdf\"\r\n\r\n", f);
	memset(chunk, 'A', sizeof chunk);
	memcpy(chunk, "%PDF-1.4\n", 9);
	while (done < total) {
		size_t n = total - done < sizeof chunk ? total - done : sizeof chunk;
		char *b64 = g_base64_encode(chunk, n);

		/* 57-byte groups give 76-character lines. */
		for (size_t k = 0, bl = strlen(b64); k < bl; k += 76) {
			fwrite(b64 + k, 1, bl - k < 76 ? bl - k : 76, f);
			fputs("\r\n", f);
		}
		g_free(b64);
		done += n;
		chunk[0] = 'A';
	}
	fputs("--B--\r\n", f);
	fclose(f);
	snprintf(archive, sizeof archive, "%s/archive", tmp);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(mss_read_message(path, archive, "big", MAX_PART, &m, err, sizeof err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("mss: 40 Mo attachment refused in %.0f ms\n",
	       (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	ck_assert_uint_eq(m.n_docs, 1);
	ck_assert_int_eq(m.docs[0].kind, MSS_DOC_PDF);
	ck_assert_str_eq(m.docs[0].name, "gros.pdf");
	ck_assert_str_eq(m.docs[0].file, "");
	ck_assert_str_eq(m.docs[0].error, "Pièce jointe de 40,4 Mo non extraite (limite 30 Mo) : "
			 "le message original est conservé dans l'archive.");
	snprintf(dir, sizeof dir, "%s/big", archive);
	list_dir(dir, files, sizeof files);
	ck_assert_str_eq(files, "");
	mss_message_free(&m);
	/* Under a higher limit it is extracted, streamed to the file. */
	ck_assert_int_eq(mss_read_message(path, archive, "big", 64LL << 20, &m, err, sizeof err),
			 0);
	ck_assert_str_eq(m.docs[0].error, "");
	ck_assert_int_eq(m.docs[0].size, (long long)total);
	ck_assert_int_eq(mode_of(m.docs[0].file), 0600);
	mss_message_free(&m);
	unlink(path);
	g_free(path);
}
END_TEST

/* Informational: the time to read the typical message (never a failing assertion). */
START_TEST(mime_timing)
{
	size_t len;
	char *msg = fx_typical(&len), err[256], archive[512];
	struct mss_message m;
	struct timespec t0, t1;
	int n = 200;

	snprintf(archive, sizeof archive, "%s/archive", tmp);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		mss_read_message_mem(msg, len, archive, "t", MAX_PART, &m, err, sizeof err);
		mss_message_free(&m);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("mss: typical message (%zu bytes) read and written in %.3f ms\n", len,
	       ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / n);
	g_free(msg);
}
END_TEST

static Suite *mss_suite(void)
{
	Suite *s = suite_create("mss");
	TCase *tc = tcase_create("cda");

	tcase_add_test(tc, cda_crbio_abnormal_and_traits);
	tcase_add_test(tc, cda_abnormal_variants);
	tcase_add_test(tc, cda_names_in_two_elements);
	suite_add_tcase(s, tc);

	tc = tcase_create("xdm");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, xdm_crbio_with_metadata);
	tcase_add_test(tc, xdm_delete_replace_conflicts);
	tcase_add_test(tc, xdm_without_metadata_subsets_and_wrapper);
	tcase_add_test(tc, xdm_hostile_names_and_not_zip);
	tcase_add_test(tc, xdm_zip_bombs);
	tcase_add_test(tc, xdm_hostile_xml);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("mime");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, mime_typical_crbio);
	tcase_add_test(tc, mime_vacc_with_pdf_becomes_copy);
	tcase_add_test(tc, mime_patient_text_and_plain_mails);
	tcase_add_test(tc, mime_pdf_only_and_n1);
	tcase_add_test(tc, mime_bad_zip_and_malformed);
	tcase_add_test(tc, mime_big_attachment_not_extracted);
	tcase_add_test(tc, mime_timing);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mss_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
