/* Realistic French name lists and a deterministic generator of fictitious patients. */
#include "names.h"

#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/identity.h"
#include "core/nir.h"
#include "core/text.h"

/* Frequent surnames in France, with regional (Auvergne), accented, particle and compound
 * names, and names of families from abroad. */
const char *const names_surnames[] = {
	"MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS",
	"MOREAU", "LAURENT", "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID",
	"BERTRAND", "MOREL", "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT",
	"FONTAINE", "ROUSSEAU", "VINCENT", "MULLER", "LEFÈVRE", "FAURE", "ANDRÉ",
	"MERCIER", "BLANC", "GUÉRIN", "BOYER", "GARNIER", "CHEVALIER", "FRANÇOIS",
	"LEGRAND", "GAUTHIER", "GARCIA", "PERRIN", "ROBIN", "CLÉMENT", "MORIN", "NICOLAS",
	"HENRY", "ROUSSEL", "MATHIEU", "GAUTIER", "MASSON", "MARCHAND", "DUVAL", "DENIS",
	"DUMONT", "MARIE", "LEMAIRE", "NOËL", "MEYER", "DUFOUR", "MEUNIER", "BRUN",
	"BLANCHARD", "GIRAUD", "JOLY", "RIVIÈRE", "LUCAS", "BRUNET", "GAILLARD", "BARBIER",
	"ARNAUD", "MARTINEZ", "GÉRARD", "ROCHE", "RENARD", "SCHMITT", "ROY", "LEROUX",
	"COLIN", "VIDAL", "CARON", "PICARD", "ROGER", "FABRE", "AUBERT", "LEMOINE",
	"RENAUD", "DUMAS", "LACROIX", "OLIVIER", "PHILIPPE", "BOURGEOIS", "PIERRE",
	"BENOÎT", "REY", "LECLERC", "PAYET", "ROLLAND", "LECLERCQ", "GUILLAUME", "LECOMTE",
	"LOPEZ", "JEAN", "DUPUY", "GUILLOT", "HUBERT", "BERGER", "CARPENTIER", "SANCHEZ",
	"DUPUIS", "MOULIN", "LOUIS", "DESCHAMPS", "HUET", "VASSEUR", "PEREZ", "BOUCHER",
	"FLEURY", "ROYER", "KLEIN", "JACQUET", "ADAM", "PARIS", "POIRIER", "MARTY",
	"AUBRY", "GUYOT", "CARRÉ", "CHARLES", "RENAULT", "CHARPENTIER", "MÉNARD",
	"MAILLARD", "BARON", "BERTIN", "BAILLY", "HERVÉ", "SCHNEIDER", "FERNANDEZ",
	"COLLET", "LÉGER", "BOUVIER", "JULIEN", "PRÉVOST", "MILLET", "PERROT", "DANIEL",
	"COUSIN", "GERMAIN", "BRETON", "BESSON", "LANGLOIS", "RÉMY", "PELLETIER",
	"LÉVÊQUE", "PERRIER", "LEBLANC", "BARRÉ", "LEBRUN", "MARCHAL", "WEBER", "MALLET",
	"HAMON", "BOULANGER", "JACOB", "MONNIER", "MICHAUD", "RODRIGUEZ", "GUICHARD",
	"GILLET", "ÉTIENNE", "GRONDIN", "POULAIN", "TESSIER", "CHEVALLIER", "COLLIN",
	"CHAUVIN", "BOUCHET", "GAY", "LEMAÎTRE", "BÉNARD", "MARÉCHAL", "HUMBERT",
	"REYNAUD", "ANTOINE", "HOARAU", "PERRET", "BARTHÉLÉMY", "CORDIER", "PICHON",
	"LEJEUNE", "GILBERT", "LAMY", "DELAUNAY", "PASQUIER", "CARLIER", "LAPORTE",
	"GAUDIN", "BOUQUET", "LAGARDE", "BRIAND", "BESNARD", "TEXIER", "CAMUS", "GUYON",
	"BLONDEL", "ROUSSELET", "VALLÉE", "DELMAS", "BOUCHARD", "CHAUVET", "FAUCHER",
	"BRUNEL", "PRADIER", "VERDIER", "TIXIER", "ROUGIER", "BRUGIÈRE", "CHAMBON",
	"PEYRONNET", "BOUDOL", "VIALLE", "COUDERT", "CHABRIER", "MONTEIL", "VERNET",
	"VIALLON", "MAGNE", "COURTINE", "RIGAL", "CROZE", "BONHOMME", "ASTIER", "VERNIÈRE",
	"BATISSE", "CHANTELAUZE", "DOUARRE", "GIDON", "JARRIGE", "MOSNIER", "SABATIER",
	"SOULIER", "TOURNADRE", "VACHER", "BESSE", "CHASSAING", "BRAVARD", "CHARBONNEL",
	"DAUPHIN", "FAVIER", "GENESTE", "JOUVE", "LAVERGNE", "MAZEL", "PAGÈS", "QUINTY",
	"ROUCHON", "SAUVADET", "THEVENET", "VEYSSIÈRE", "BOISSIER", "CHAPUT", "DOMAS",
	"ESPINASSE", "FOURNIOUX", "GARDETTE", "MEALLET", "POUGHEON", "RAYNAUD", "SERRE",
	"TRONCHE", "VIGIER", "AUZOLLE", "BOUDET", "CELLIER", "DUCHÊNE", "ESTIVAL", "FÉLIX",
	"GRÉGOIRE", "SÉGUIN", "PÉLISSIER", "CRÉPIN", "THÉRY", "FRÉMONT", "LACHÈZE",
	"FAVIÈRE", "BÉRAUD", "MÉRIGOT", "DÉSIRÉ", "VALÉRY", "BŒUF", "CŒURDEROY",
	"LŒUILLET", "PÉRIER", "BRÉMOND", "LÉONARD", "HÉBERT", "GÉRAUD", "BÉGUIN", "ALLARD",
	"ARNOULD", "BAZIN", "BÉRANGER", "BERTHELOT", "BIGOT", "BOUTIN", "CARDON",
	"CHAMPION", "CHARRIER", "CHARTIER", "CLERC", "COLAS", "COULON", "COURTOIS",
	"DUBREUIL", "DUCHEMIN", "DUCROCQ", "FERRAND", "FOUCHER", "GALLET", "GIMENEZ",
	"GODARD", "GRENIER", "GRIMAUD", "GROS", "GUILLON", "HARDY", "HUGUET", "JOUBERT",
	"LABBÉ", "LACOMBE", "LAFON", "LAINÉ", "LANGLAIS", "LAUNAY", "LEBON", "LECOQ",
	"LEDOUX", "LEFORT", "LEGENDRE", "LEMONNIER", "LEPAGE", "LESAGE", "LÉVY", "MAILLET",
	"MARCHETTI", "MARQUET", "MAURY", "MILLOT", "MONIER", "NAVARRO", "NEVEU", "PAGE",
	"PARENT", "PÉRON", "PETITJEAN", "PICOT", "POTIER", "POULET", "PROUST", "RAYMOND",
	"REGNIER", "RENOUX", "RIBEIRO", "RICHER", "RIOU", "ROCHER", "RODRIGUES", "ROLLIN",
	"SALMON", "SAMSON", "SAUVAGE", "TANGUY", "THIBAULT", "TOUSSAINT", "TRAN", "VALLET",
	"VIAL", "WEISS", "ZIMMERMANN", "NGUYEN", "DIALLO", "TRAORÉ", "DIOP", "KONÉ",
	"CISSÉ", "SYLLA", "BENALI", "HADDAD", "MANSOURI", "BOUZID", "CHERIF", "KACI",
	"BRAHIMI", "AMRANI", "BELKACEM", "SAIDI", "HAMIDI", "MEZIANE", "BENSAÏD", "YILMAZ",
	"KAYA", "FERREIRA", "PEREIRA", "GONÇALVES", "MARTINS", "FERNANDES", "LOPES",
	"ALVES", "GOMES", "MOREIRA", "ROSSI", "RUSSO", "ESPOSITO", "BIANCHI", "ROMANO",
	"COLOMBO", "RICCI", "GOMEZ", "DIAZ", "HERNANDEZ", "KOWALSKI", "NOWAK", "SCHMIDT",
	"WAGNER", "FISCHER", "LE GALL", "LE GOFF", "LE ROUX", "LE BRIS", "LE CORRE",
	"LE BIHAN", "LE MOAL", "LE FLOCH", "LE GUEN", "LE BRETON", "DE SOUSA", "DA SILVA",
	"DOS SANTOS", "DE OLIVEIRA", "DA COSTA", "DE LA FONTAINE", "DE LA TOUR", "DU PONT",
	"DES ROCHES", "DE CASTRO", "EL HADDAD", "BEN SALAH", "N'DIAYE", "D'ALMEIDA",
	"SAINT-MARTIN", "SAINT-PIERRE", "LA ROCHE", "DE SAINT-ANDRÉ", "DUPONT-MOREAU",
	"MARTIN-DUBOIS", "BLANC-GONNET", "EL IDRISSI", "DE LA ROCHE", "DE BARROS",
	"LE BLANC", "DE LA CROIX", "DU BOIS DE LA HAYE", "DE L'ÉPÉE", "D'ARGENTON",
	"LE MERRER", "FERNANDES DA CRUZ",
};
const size_t names_surnames_count = sizeof names_surnames / sizeof names_surnames[0];

/* Female first names, from older (1920s) to newer (2020s) fashion. */
const char *const names_first_f[] = {
	"Jeanne", "Marie", "Marguerite", "Germaine", "Yvonne", "Madeleine", "Suzanne",
	"Marcelle", "Simone", "Paulette", "Odette", "Lucienne", "Andrée", "Renée",
	"Raymonde", "Denise", "Henriette", "Georgette", "Berthe", "Blanche", "Léone",
	"Irène", "Gilberte", "Solange", "Colette", "Ginette", "Huguette", "Yvette",
	"Jacqueline", "Geneviève", "Gisèle", "Marie-Louise", "Thérèse", "Marie-Thérèse",
	"Jeannine", "Lucette", "Micheline", "Josette", "Arlette", "Paule", "Claudette",
	"Monique", "Michèle", "Danielle", "Nicole", "Françoise", "Christiane", "Annie",
	"Martine", "Chantal", "Brigitte", "Évelyne", "Sylviane", "Éliane", "Marie-Claude",
	"Marie-France", "Dominique", "Claudine", "Bernadette", "Jocelyne", "Joëlle",
	"Josiane", "Mireille", "Régine", "Maryse", "Anne-Marie", "Catherine", "Christine",
	"Sylvie", "Marie-Christine", "Patricia", "Élisabeth", "Isabelle", "Nathalie",
	"Valérie", "Véronique", "Sandrine", "Corinne", "Laurence", "Pascale", "Florence",
	"Karine", "Muriel", "Agnès", "Hélène", "Anne", "Frédérique", "Carole", "Béatrice",
	"Fabienne", "Marie-Pierre", "Cécile", "Virginie", "Delphine", "Stéphanie",
	"Céline", "Séverine", "Sophie", "Emmanuelle", "Christelle", "Nadège", "Aurélie",
	"Émilie", "Julie", "Élodie", "Audrey", "Mélanie", "Laetitia", "Caroline",
	"Jennifer", "Vanessa", "Marion", "Amandine", "Anne-Sophie", "Jessica", "Marine",
	"Laura", "Pauline", "Charlotte", "Claire", "Morgane", "Élise", "Sarah", "Mathilde",
	"Justine", "Anaïs", "Fanny", "Gaëlle", "Coralie", "Océane", "Manon", "Marina",
	"Clémence", "Alexandra", "Lucie", "Camille", "Léa", "Chloé", "Emma", "Inès",
	"Clara", "Lisa", "Maëlle", "Maëlys", "Jade", "Lola", "Romane", "Louna", "Juliette",
	"Éva", "Zoé", "Noémie", "Lilou", "Margaux", "Ambre", "Léna", "Yasmine", "Nour",
	"Louise", "Alice", "Rose", "Anna", "Mia", "Lina", "Léonie", "Agathe", "Capucine",
	"Victoire", "Apolline", "Héloïse", "Éléonore", "Mila", "Julia", "Iris", "Adèle",
	"Lou", "Olivia", "Thaïs", "Inaya", "Aïcha", "Romy", "Jeanne-Marie",
};
const size_t names_first_f_count = sizeof names_first_f / sizeof names_first_f[0];

/* Male first names, from older (1920s) to newer (2020s) fashion. */
const char *const names_first_m[] = {
	"Jean", "Pierre", "Louis", "Marcel", "André", "René", "Roger", "Robert", "Henri",
	"Georges", "Maurice", "Raymond", "Paul", "Lucien", "Fernand", "Albert", "Marius",
	"Émile", "Gaston", "Léon", "Joseph", "Eugène", "Edmond", "Armand", "Abel",
	"Léopold", "Félix", "Roland", "Gilbert", "Jacques", "Bernard", "Michel", "Claude",
	"Guy", "Gérard", "Yves", "Raoul", "Norbert", "Marcel-Henri", "Jean-Baptiste",
	"Alain", "Daniel", "Jean-Claude", "Jean-Pierre", "Jean-Louis", "Patrick",
	"Philippe", "Christian", "Dominique", "Serge", "Gilles", "Jean-Jacques",
	"Jean-Marie", "Francis", "Denis", "Thierry", "Didier", "Pascal", "Éric", "Bruno",
	"Marc", "Jean-Paul", "Jean-François", "Hervé", "Joël", "Patrice", "Jean-Michel",
	"Jean-Luc", "Régis", "Gérald", "Bertrand", "Laurent", "Stéphane", "Christophe",
	"Frédéric", "Olivier", "Sébastien", "Nicolas", "Franck", "Vincent", "David",
	"Cédric", "Jérôme", "Emmanuel", "Arnaud", "Ludovic", "Fabrice", "Yann", "Benoît",
	"Xavier", "Lionel", "Grégory", "Samuel", "Mickaël", "Julien", "Mathieu",
	"Guillaume", "Romain", "Anthony", "Kévin", "Maxime", "Thomas", "Alexandre",
	"Florian", "Jérémy", "Damien", "Benjamin", "Quentin", "Antoine", "Adrien",
	"Pierre-Yves", "Loïc", "Clément", "Valentin", "Alexis", "Dylan", "Jonathan",
	"Bastien", "Corentin", "Baptiste", "Jordan", "Jean-Noël", "Aurélien", "Rémi",
	"Sylvain", "Lucas", "Hugo", "Enzo", "Mathis", "Nathan", "Théo", "Gabriel",
	"Raphaël", "Arthur", "Jules", "Adam", "Léo", "Noah", "Ethan", "Maël", "Sacha",
	"Timéo", "Tom", "Nolan", "Evan", "Mathéo", "Noé", "Gaspard", "Aaron", "Liam",
	"Naël", "Isaac", "Victor", "Eliott", "Côme", "Ibrahim", "Mohamed", "Yanis",
	"Rayan", "Ilyès", "Milo", "Augustin", "Kylian", "Matteo", "Timothée", "Anatole",
	"Célestin", "Joachim", "Elie", "Ruben", "Oscar", "Lenny", "Amir", "Ayden", "Marin",
	"Lyam",
};
const size_t names_first_m_count = sizeof names_first_m / sizeof names_first_m[0];

/* COG (INSEE) code, postal code and name of real communes; the first NAMES_LOCAL_CITIES
 * entries are around Clermont-Ferrand. */
#define NAMES_LOCAL_CITIES 27
const char *const names_cities[] = {
	"63113\t63000\tClermont-Ferrand", "63113\t63100\tClermont-Ferrand",
	"63075\t63400\tChamalières", "63300\t63200\tRiom", "63178\t63500\tIssoire",
	"63430\t63300\tThiers", "63124\t63800\tCournon-d'Auvergne",
	"63014\t63170\tAubière", "63032\t63110\tBeaumont", "63308\t63130\tRoyat",
	"63070\t63122\tCeyrat", "63193\t63370\tLempdes", "63164\t63360\tGerzat",
	"63063\t63118\tCébazat", "63284\t63430\tPont-du-Château",
	"63103\t63140\tChâtel-Guyon", "63470\t63530\tVolvic", "63040\t63160\tBillom",
	"63003\t63600\tAmbert", "63307\t63540\tRomagnat", "03310\t03200\tVichy",
	"03185\t03100\tMontluçon", "03190\t03000\tMoulins", "15014\t15000\tAurillac",
	"15187\t15100\tSaint-Flour", "43157\t43000\tLe Puy-en-Velay",
	"43040\t43100\tBrioude", "75114\t75014\tParis 14e Arrondissement",
	"69383\t69003\tLyon 3e Arrondissement",
	"13206\t13006\tMarseille 6e Arrondissement", "31555\t31000\tToulouse",
	"33063\t33000\tBordeaux", "44109\t44000\tNantes", "67482\t67000\tStrasbourg",
	"59350\t59000\tLille", "06088\t06000\tNice", "34172\t34000\tMontpellier",
	"35238\t35000\tRennes", "42218\t42000\tSaint-Étienne", "87085\t87000\tLimoges",
	"21231\t21000\tDijon", "38185\t38000\tGrenoble", "29019\t29200\tBrest",
	"37261\t37000\tTours", "45234\t45000\tOrléans", "51454\t51100\tReims",
	"2A004\t20000\tAjaccio", "2B033\t20200\tBastia",
};
const size_t names_cities_count = sizeof names_cities / sizeof names_cities[0];
_Static_assert(sizeof names_cities / sizeof names_cities[0] > NAMES_LOCAL_CITIES,
	       "names_cities must hold the local communes first, then others");

/* Street names (numbers are added by the generator). */
const char *const names_streets[] = {
	"rue Blatin", "avenue des États-Unis", "boulevard Lafayette", "rue Montlosier",
	"rue du Port", "avenue de Royat", "rue Ballainvilliers", "rue Fontgiève",
	"rue de l'Oradou", "avenue Léon Blum", "boulevard Côte-Blatin", "rue Bonnabaud",
	"rue Gaultier de Biauzat", "rue Lamartine", "rue Anatole France", "rue Pasteur",
	"avenue Jean Jaurès", "rue de la République", "place de la Victoire",
	"rue des Gras", "boulevard Desaix", "rue Saint-Dominique", "rue du Docteur Balme",
	"avenue de la Libération", "rue Jean Moulin", "rue de Rabanesse",
	"rue du Pont de Naud", "rue de l'Éminée", "chemin des Vignes",
	"allée des Tilleuls", "rue des Acacias", "rue Victor Hugo", "rue de la Gare",
	"place de l'Église", "rue du Commerce", "rue des Écoles", "impasse des Saules",
	"rue Neuve", "chemin de la Chaux", "avenue du Brézet", "rue Maréchal Joffre",
	"rue Georges Clemenceau", "rue du Onze Novembre", "avenue Édouard Michelin",
	"rue Jules Ferry", "rue Émile Zola", "rue des Jardins", "rue du Moulin",
	"rue de la Fontaine", "allée des Peupliers", "route de Riom", "rue des Chênes",
	"rue de la Treille", "rue des Farges", "place du Marché", "rue du Château",
};
const size_t names_streets_count = sizeof names_streets / sizeof names_streets[0];

/* ---- Generator ---------------------------------------------------------------------------- */

/* Ages are reckoned at this year so that the output never depends on the clock. */
#define NAMES_REF_YEAR 2026

/* Birth countries for patients born abroad (COG 99 + INSEE country code). */
static const char *const foreign_cogs[] = {
	"99350", /* Maroc */
	"99352", /* Algérie */
	"99351", /* Tunisie */
	"99139", /* Portugal */
	"99134", /* Espagne */
	"99127", /* Italie */
	"99109", /* Allemagne */
	"99131", /* Belgique */
	"99341", /* Sénégal */
	"99243", /* Vietnam */
	"99208", /* Turquie */
	"99216", /* Chine */
};

static unsigned long long xorshift64(unsigned long long *seed)
{
	unsigned long long x = *seed;

	if (x == 0)
		x = 0x9E3779B97F4A7C15ULL; /* xorshift never leaves 0 */
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*seed = x;
	return x;
}

/* Uniform-enough integer in [0, n) (n is small: the modulo bias is negligible). */
static size_t pick(unsigned long long *seed, size_t n)
{
	return (size_t)(xorshift64(seed) % n);
}

static int chance(unsigned long long *seed, unsigned percent)
{
	return pick(seed, 100) < percent;
}

/* A first name in fashion around the birth year (lists run from older to newer fashion),
 * with some classic picks from the whole list. */
static const char *first_name_for_year(unsigned long long *seed, const char *const *list,
				       size_t n, int year)
{
	long center, spread, i;

	if (chance(seed, 15))
		return list[pick(seed, n)];
	center = (long)(year - 1925) * (long)(n - 1) / 100;
	spread = (long)n / 6;
	i = center - spread + (long)pick(seed, (size_t)(2 * spread + 1));
	if (i < 0)
		i = -i;
	if (i >= (long)n)
		i = 2 * ((long)n - 1) - i;
	return list[i];
}

/* Copy field number idx (0-based, tab-separated) of a names_cities entry into dst. */
static void city_field(const char *entry, int idx, char *dst, size_t size)
{
	const char *end;
	size_t len;

	while (idx-- > 0) {
		entry = strchr(entry, '\t');
		if (entry == NULL) {
			dst[0] = '\0';
			return;
		}
		entry++;
	}
	end = strchr(entry, '\t');
	if (end == NULL)
		end = entry + strlen(entry);
	len = (size_t)(end - entry);
	if (len >= size)
		len = size - 1;
	memcpy(dst, entry, len);
	dst[len] = '\0';
}

/* Append sep + s to dst when it fits whole; dst is always NUL-terminated. */
static void append(char *dst, size_t size, const char *sep, const char *s)
{
	size_t len = strlen(dst), need = strlen(sep) + strlen(s);

	if (len + need >= size)
		return;
	memcpy(dst + len, sep, strlen(sep));
	memcpy(dst + len + strlen(sep), s, strlen(s) + 1);
}

/* Lower-case ASCII e-mail part from a name: "Marie-Thérèse" -> "marie-therese". */
static void email_part(const char *name, char *out, size_t size)
{
	char *c;

	text_fold(name, out, size);
	for (c = out; *c; c++)
		if (*c == ' ')
			*c = '-';
}

/* Two random digit pairs "xx xx" appended to a fiction range prefix. */
static void fiction_phone(unsigned long long *seed, const char *prefix, char *dst, size_t size)
{
	unsigned n = (unsigned)pick(seed, 10000);

	snprintf(dst, size, "%s %02u %02u", prefix, n / 100, n % 100);
}

/* Build the 13-character matricule body and append its key; dst gets "" if no key. */
static void make_nir(unsigned long long *seed, int female, int year, int month,
		     const char *cog, char *dst, size_t size)
{
	char body[14];
	unsigned order = 1 + (unsigned)pick(seed, 999);
	int key;

	body[0] = female ? '2' : '1';
	body[1] = (char)('0' + (year / 10) % 10);
	body[2] = (char)('0' + year % 10);
	body[3] = (char)('0' + month / 10);
	body[4] = (char)('0' + month % 10);
	memcpy(body + 5, cog, 5);
	body[10] = (char)('0' + order / 100);
	body[11] = (char)('0' + (order / 10) % 10);
	body[12] = (char)('0' + order % 10);
	body[13] = '\0';
	key = nir_compute_key(body);
	if (key < 1 || key > 97 || size < 16) {
		dst[0] = '\0';
		return;
	}
	memcpy(dst, body, 13);
	dst[13] = (char)('0' + key / 10);
	dst[14] = (char)('0' + key % 10);
	dst[15] = '\0';
}

void names_generate_patient(unsigned long long *seed, struct patient *p)
{
	const char *const *firsts;
	const char *given[3];
	size_t nfirsts, nnames, i, j;
	char cog[6], fold_first[48], fold_last[48];
	const char *city;
	struct ymd birth;
	int female, year, month, ndays, age, foreign = 0;

	p->birth_name[0] = p->used_name[0] = p->first_name[0] = '\0';
	p->birth_first_names[0] = p->used_first_name[0] = '\0';
	p->nir[0] = p->ins_matricule[0] = p->ins_oid[0] = p->validation_mode[0] = '\0';
	p->phone[0] = p->mobile[0] = p->email[0] = '\0';
	p->address[0] = p->postal_code[0] = p->city[0] = '\0';
	p->id_status = ID_PROVISOIRE;
	p->id_attrs = 0;

	/* Sex and birth date */
	female = chance(seed, 51);
	snprintf(p->sex, sizeof p->sex, "%s", female ? "F" : "M");
	birth.y = year = 1925 + (int)pick(seed, 101);
	birth.m = month = 1 + (int)pick(seed, 12);
	for (ndays = 31; !date_valid(year, month, ndays); ndays--)
		;
	birth.d = 1 + (int)pick(seed, (size_t)ndays);
	date_to_iso(&birth, p->birth_date, sizeof p->birth_date);
	age = NAMES_REF_YEAR - year;

	/* Names */
	snprintf(p->birth_name, sizeof p->birth_name, "%s",
		 names_surnames[pick(seed, names_surnames_count)]);
	if (female && age > 25 && chance(seed, 40)) {
		const char *used;

		do
			used = names_surnames[pick(seed, names_surnames_count)];
		while (strcmp(used, p->birth_name) == 0);
		snprintf(p->used_name, sizeof p->used_name, "%s", used);
	}
	firsts = female ? names_first_f : names_first_m;
	nfirsts = female ? names_first_f_count : names_first_m_count;
	nnames = chance(seed, 40) ? 2 + pick(seed, 2) : 1;
	for (i = 0; i < nnames; i++) {
		int tries = 0;

	again:
		given[i] = first_name_for_year(seed, firsts, nfirsts, year);
		for (j = 0; j < i; j++)
			if (strcmp(given[j], given[i]) == 0 && ++tries < 8)
				goto again;
		append(p->birth_first_names, sizeof p->birth_first_names, i ? " " : "", given[i]);
	}
	snprintf(p->first_name, sizeof p->first_name, "%s", given[0]);
	if (nnames > 1 && chance(seed, 5)) /* known by the second given name */
		snprintf(p->used_first_name, sizeof p->used_first_name, "%s", given[1]);

	/* Birth place: mostly a French commune, some abroad, a few unknown */
	if (chance(seed, 1)) {
		snprintf(cog, sizeof cog, "99999");
	} else if (chance(seed, 10)) {
		snprintf(cog, sizeof cog, "%s",
			 foreign_cogs[pick(seed, sizeof foreign_cogs / sizeof foreign_cogs[0])]);
		foreign = 1;
	} else {
		size_t n = chance(seed, 70) ? NAMES_LOCAL_CITIES : names_cities_count;

		city_field(names_cities[pick(seed, n)], 0, cog, sizeof cog);
	}
	snprintf(p->birth_cog, sizeof p->birth_cog, "%s", cog);
	if (strcmp(cog, "99999") != 0 && chance(seed, 70))
		make_nir(seed, female, year, month, cog, p->nir, sizeof p->nir);

	/* Identity status: validated against an ID document for some */
	if (chance(seed, 12)) {
		p->id_status = ID_VALIDEE;
		if (age < 18)
			snprintf(p->validation_mode, sizeof p->validation_mode, "%s",
				 chance(seed, 50) ? "LE" : "AN");
		else if (foreign && chance(seed, 50))
			snprintf(p->validation_mode, sizeof p->validation_mode, "CS");
		else
			snprintf(p->validation_mode, sizeof p->validation_mode, "%s",
				 chance(seed, 75) ? "CN" : "PA");
	}

	/* Contact */
	city = names_cities[pick(seed, chance(seed, 85) ? NAMES_LOCAL_CITIES : names_cities_count)];
	city_field(city, 1, p->postal_code, sizeof p->postal_code);
	city_field(city, 2, p->city, sizeof p->city);
	snprintf(p->address, sizeof p->address, "%u%s %s", 1 + (unsigned)pick(seed, 120),
		 chance(seed, 6) ? " bis" : "", names_streets[pick(seed, names_streets_count)]);
	if (age < 12 || chance(seed, 45))
		fiction_phone(seed, "04 65 71", p->phone, sizeof p->phone);
	if (age >= 12 && age < 90 && chance(seed, 80))
		fiction_phone(seed, "06 39 98", p->mobile, sizeof p->mobile);
	if (age >= 16 && chance(seed, 55)) {
		email_part(p->used_first_name[0] ? p->used_first_name : p->first_name, fold_first,
			   sizeof fold_first);
		email_part(p->used_name[0] ? p->used_name : p->birth_name, fold_last,
			   sizeof fold_last);
		if (chance(seed, 30))
			snprintf(p->email, sizeof p->email, "%s.%s%02u@example.fr", fold_first,
				 fold_last, (unsigned)pick(seed, 100));
		else
			snprintf(p->email, sizeof p->email, "%s.%s@example.fr", fold_first, fold_last);
	}
}
