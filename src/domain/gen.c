/*
 * gen.c — fictional children's case data for demos, tests and benchmarks: see gen.h.
 *
 * The tables hold common given and family names per group, each with its usual Latin
 * spellings (the most frequent first), its original script where the group writes one,
 * and sometimes a common nickname. A record's names are drawn once per family (father,
 * grandfathers, family names) so that relatives' names follow the child's: a sibling
 * of "Yonas Tesfaye Kidane" is "Selam Tesfaye Kidane", a father "Tesfaye Kidane ...".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/clock.h"
#include "domain/gen.h"

struct gen {
	uint64_t	s[4];
};

/* ---- random numbers ---------------------------------------------------------------- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

struct gen *
gen_new(uint64_t seed)
{
	struct gen *g;
	uint64_t x = seed;
	size_t i;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	for (i = 0; i < 4; i++)
		g->s[i] = splitmix64(&x);
	return g;
}

void
gen_free(struct gen *g)
{
	free(g);
}

uint64_t
gen_next(struct gen *g)
{
	uint64_t *s = g->s;
	uint64_t r = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

uint32_t
gen_uniform(struct gen *g, uint32_t n)
{
	uint64_t m;
	uint32_t l, t;

	if (n == 0)
		return 0;
	m = (gen_next(g) >> 32) * (uint64_t)n;
	l = (uint32_t)m;
	if (l < n) {
		t = (uint32_t)(-n) % n;
		while (l < t) {
			m = (gen_next(g) >> 32) * (uint64_t)n;
			l = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

/* 1 with probability pct/100. */
static int
chance(struct gen *g, uint32_t pct)
{
	return gen_uniform(g, 100) < pct;
}

/* An index into `w` (n weights), each chosen in proportion to its weight; n-1 when all
 * weights are 0. */
static size_t
pick_weighted(struct gen *g, const unsigned *w, size_t n)
{
	unsigned total = 0, r;
	size_t i;

	for (i = 0; i < n; i++)
		total += w[i];
	if (total == 0)
		return n - 1;
	r = gen_uniform(g, total);
	for (i = 0; i < n; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return n - 1;
}

/* ---- dates ----------------------------------------------------------------------------- */

static int
days_in_month(int y, int m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* Days since 1970-01-01 to "YYYY-MM-DD" (after Howard Hinnant's civil_from_days). */
static void
date_from_days(int64_t z, char out[DATE_SIZE])
{
	int64_t era, doe, yoe, doy, mp, y, m, d;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += (m <= 2);
	if (y < 0)
		y = 0;
	out[0] = (char)('0' + (y / 1000) % 10);
	out[1] = (char)('0' + (y / 100) % 10);
	out[2] = (char)('0' + (y / 10) % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

/* A date of birth, uniformly among those that make the child `age` on `today`. */
static void
date_of_birth(struct gen *g, int ty, int tm, int td, int age, char out[DATE_SIZE])
{
	int y_hi = ty - age, y_lo = ty - age - 1;
	int d_hi = td < days_in_month(y_hi, tm) ? td : days_in_month(y_hi, tm);
	int d_lo = td < days_in_month(y_lo, tm) ? td : days_in_month(y_lo, tm);
	int64_t hi = date_days(y_hi, tm, d_hi);
	int64_t lo = date_days(y_lo, tm, d_lo) + 1;

	date_from_days(lo + gen_uniform(g, (uint32_t)(hi - lo + 1)), out);
}

/* ---- name tables ------------------------------------------------------------------------ */

#define NV	4	/* Latin spellings per name, the usual one first */

struct name {
	const char	*latin[NV];
	const char	*script;	/* Ge'ez, Arabic or Persian script, or NULL */
	const char	*nick;		/* a common nickname, or NULL */
};

struct namelist {
	const struct name	*v;
	size_t			 n;
};

#define L(...)		{ { __VA_ARGS__ }, NULL, NULL }
#define LK(k, ...)	{ { __VA_ARGS__ }, NULL, k }
#define S(s, ...)	{ { __VA_ARGS__ }, s, NULL }
#define SK(s, k, ...)	{ { __VA_ARGS__ }, s, k }
#define LIST(a)		{ a, sizeof(a) / sizeof((a)[0]) }

/* Horn of Africa, Tigrinya and Amharic. */
static const struct name horn_male[] = {
	S("ተስፋየ", "Tesfaye", "Tesfay"),
	SK("ዮናስ", "Yoni", "Yonas", "Younas"),
	SK("ዳዊት", "Dawi", "Dawit"),
	S("ኃይሌ", "Haile", "Hayle"),
	S("ኪዳነ", "Kidane", "Kidan"),
	SK("ፊልሞን", "Fili", "Filmon", "Filimon", "Philemon"),
	S("ብርሃነ", "Berhane", "Birhane", "Berhan"),
	S("ተክለ", "Tekle", "Tekleh"),
	SK("ዮሐንስ", "Jo", "Yohannes", "Yohanes", "Johannes"),
	SK("ሳሙኤል", "Sami", "Samuel"),
	SK("ዳንኤል", "Dani", "Daniel"),
	SK("ቢንያም", "Bini", "Biniam", "Biniyam", "Binyam"),
	S("ሮቤል", "Robel"),
	S("አቤል", "Abel"),
	S("ሃብቶም", "Habtom", "Habtoum"),
	S("ሙሉጌታ", "Mulugeta"),
	S("ግርማ", "Girma"),
	S("በረከት", "Bereket", "Berekat"),
	SK("አማኑኤል", "Amani", "Amanuel", "Emmanuel", "Amanual"),
	S("ተወልደ", "Tewolde", "Tewelde"),
	S("ጎይቶም", "Goitom", "Goytom"),
	S("መሓሪ", "Mehari", "Mihari"),
	S("ሄኖክ", "Henok", "Enoch"),
	S("ኢዮብ", "Eyob", "Iyob"),
	S("ጸጋይ", "Tsegay", "Tsegai", "Tsegaye"),
	S("ክብሮም", "Kibrom", "Kbrom"),
	S("መድሃኔ", "Medhanie", "Medhane"),
	SK("ናትናኤል", "Nati", "Natnael", "Nathnael"),
	SK("ሰሎሞን", "Solo", "Solomon", "Selomon"),
	S("አለማየሁ", "Alemayehu"),
	S("ጌታቸው", "Getachew"),
	S("አበበ", "Abebe"),
	S("ነጋሽ", "Negash"),
	S("ሚካኤል", "Michael", "Mikael"),
	S("መርሓዊ", "Merhawi", "Mehrawi"),
	S("ሙሴ", "Mussie", "Musie", "Muse"),
	S("ያሬድ", "Yared"),
	S("ናሆም", "Nahom", "Nahum"),
	S("ኤፍሬም", "Efrem", "Ephrem"),
	S("ሰመረ", "Semere", "Semre"),
};

/* Older men's names, for fathers and grandfathers only. */
static const struct name horn_elder[] = {
	S("ገብረመድህን", "Ghebremedhin", "Gebremedhin", "Gebremedin"),
	S("ወልደሚካኤል", "Weldemichael", "Woldemichael", "Woldemikael"),
	S("ገብረየሱስ", "Gebreyesus", "Ghebreyesus"),
	S("ወልደጊዮርጊስ", "Woldegiorgis", "Weldegiorgis"),
	S("ተስፋማርያም", "Tesfamariam", "Tesfamaryam"),
	S("ዘርኣይ", "Zerai", "Zeray"),
	S("ኣስመሮም", "Asmerom", "Asmerum"),
	S("ገብረሕይወት", "Ghebrehiwet", "Gebrehiwot"),
	S("ተክለሃይማኖት", "Teklehaimanot", "Teklehaymanot"),
	S("ገብረማርያም", "Gebremariam", "Ghebremariam"),
	S("ወልደማርያም", "Woldemariam", "Weldemariam"),
	S("ካሕሳይ", "Kahsay", "Kahsai"),
	S("ሃብተ", "Habte"),
	S("መስፍን", "Mesfin"),
	S("ታደሰ", "Tadesse", "Tadese"),
	S("በቀለ", "Bekele"),
	S("አለሙ", "Alemu"),
	S("ገብሩ", "Gebru", "Gebrou"),
	S("ደስታ", "Desta"),
	S("ጸሃየ", "Tsehaye", "Tsehay"),
	S("ፍስሃየ", "Fesehaye", "Fshaye"),
};

static const struct name horn_female[] = {
	SK("ሰላም", "Seli", "Selam", "Salam"),
	S("መብራት", "Mebrat"),
	S("ኣብርሄት", "Abrehet", "Abrhet"),
	S("መርሓዊት", "Merhawit", "Mehrawit"),
	SK("ሰናይት", "Seni", "Senait", "Senayt"),
	S("ሉዋም", "Luwam", "Luam"),
	S("ሰምሃር", "Semhar"),
	S("ሄለን", "Helen", "Hellen"),
	S("ሳባ", "Saba"),
	S("ሕይወት", "Hiwet", "Hiwot"),
	S("ራሄል", "Rahel", "Rachel"),
	S("ሜሮን", "Meron"),
	S("ትዕግስት", "Tigist", "Tgist"),
	S("አልማዝ", "Almaz"),
	S("አስቴር", "Aster"),
	S("ገነት", "Genet", "Ginet"),
	S("መቅደስ", "Mekdes", "Mekdas"),
	SK("ዮርዳኖስ", "Yordi", "Yordanos"),
	S("ፌቨን", "Feven"),
	S("ዊንታ", "Winta"),
	S("ጽዮን", "Tsion", "Zion", "Tsiyon"),
	S("ፍረወይኒ", "Freweini", "Frewoini"),
	S("ኤልሳ", "Elsa"),
	S("ሊድያ", "Lidya", "Lydia"),
	S("ሐና", "Hanna", "Hana"),
	S("ማህሌት", "Mahlet", "Mahilet"),
	SK("ሰላማዊት", "Selu", "Selamawit"),
	S("ቅድስት", "Kidist", "Kedist"),
	S("ትርሓስ", "Tirhas", "Tirhaz"),
	S("ሩት", "Ruth", "Rut"),
	S("ኤደን", "Eden"),
	S("ዳናይት", "Danait", "Danayt"),
	S("ሳሮን", "Saron", "Sharon"),
	S("ዮሃና", "Yohana", "Yohanna"),
	S("ናርዶስ", "Nardos"),
	S("ብስራት", "Bisrat"),
	S("አበባ", "Abeba"),
	S("ሙሉ", "Mulu"),
	S("ዘውዲ", "Zewdi"),
	S("ለተብርሃን", "Letebrhan", "Letebrehan"),
};

/* Oromo (Ethiopia), written in Latin (Qubee). */
static const struct name oromo_male[] = {
	L("Chala", "Chaala"), L("Gemechu", "Gemechis"), L("Tolera"), L("Fayisa", "Feyisa"),
	L("Obsa"), L("Ebisa"), L("Lemma", "Lema"), L("Abdisa"), L("Kebede"), L("Gudeta"),
	L("Boru"), L("Jiregna", "Jirenya"), L("Tamiru"), L("Guta"), L("Dabala", "Debela"),
	L("Olana", "Olanaa"), L("Galana"), L("Tulu"), L("Ayana"), L("Dereje"),
	L("Kedir", "Kadir"), L("Abdi"), L("Jemal", "Jamal"), L("Tadesse"), L("Bekele"),
};

static const struct name oromo_female[] = {
	L("Chaltu", "Caaltuu"), L("Bontu", "Boontuu"), L("Lensa", "Lensaa"), L("Hawi", "Hawwi"),
	L("Ayantu", "Ayyaantuu"), L("Sena"), L("Meseret"), L("Gadise", "Gaaddisee"),
	L("Lalise", "Lalisee"), L("Ebise", "Ebisee"), L("Bilise", "Bilisee"),
	L("Jalane", "Jaalannee"), L("Soreti", "Sooreettii"), L("Amina"), L("Fatuma"),
	L("Tigist"), L("Genet"),
};

/* Somali, written in Latin; the Somali orthography (x, c, double vowels) as variants. */
static const struct name somali_male[] = {
	LK("Yare", "Abdi", "Cabdi"), LK("Dheere", "Abdirahman", "Cabdiraxmaan", "Abdurahman"),
	L("Hamza", "Xamza"), L("Warsame"), L("Jama", "Jaamac"), L("Cawil", "Awil"),
	LK("Gaab", "Mohamed", "Maxamed", "Mahamed", "Mohammed"), L("Ahmed", "Axmed"),
	L("Abdullahi", "Cabdullaahi", "Abdillahi"), LK("Yare", "Hassan", "Xasan"),
	L("Ali", "Cali"), L("Yusuf", "Yuusuf"), L("Ismail", "Ismaaciil"), L("Omar", "Cumar"),
	L("Mahad", "Mahat"), L("Liban", "Liibaan"), L("Abdiqani", "Cabdiqani", "Abdikani"),
	L("Guled", "Guuleed"), L("Bashir", "Bashiir"), L("Farah", "Faarax"), L("Nur", "Nuur"),
	L("Osman", "Cismaan"), L("Abdiaziz", "Cabdicasiis"), L("Mukhtar", "Mukhtaar"),
	LK("Dheere", "Said", "Saciid"), L("Aden", "Aadan"), L("Hirsi", "Xirsi"),
	L("Dahir", "Daahir"), L("Mohamud", "Maxamuud", "Mahmoud"),
	L("Abdiweli", "Cabdiwali"), L("Idris", "Idiris"), L("Shire", "Shiire"),
	L("Ilyas", "Ilyaas"), L("Khalid", "Khaalid"),
};

static const struct name somali_female[] = {
	L("Hodan", "Xodan"), L("Farhiya", "Farxiya"), L("Ayaan", "Ayan"),
	L("Faadumo", "Fadumo", "Fatuma"), L("Hawa", "Xaawo"), L("Sahra", "Sahro"),
	L("Ifrah", "Ifraax"), L("Nimco", "Nimo"), L("Hibo"), L("Deqa", "Deeqa"),
	L("Amina", "Aamina"), L("Khadra", "Khadro"), L("Ubah", "Ubax"), L("Sagal"), L("Idil"),
	L("Ladan"), L("Hamdi", "Xamdi"), L("Asha", "Caasha"), L("Halima", "Xaliimo"),
	L("Ruqiya", "Ruqiyo"), L("Naima", "Nacima"), L("Suad", "Sucaad"), L("Istar"),
	L("Filsan"), L("Maryan", "Maryam"), L("Zamzam"), L("Ikran", "Ikraan"),
};

/* Arabic: Sudan, Chad, Egypt, Libya, Syria, Mauritania. */
static const struct name arabic_male[] = {
	SK("محمد", "Hamoudi", "Mohamed", "Mohammed", "Muhammad", "Mahamat"),
	SK("أحمد", "Hamada", "Ahmed", "Ahmad"),
	SK("عبد الرحمن", "Abdo", "Abdelrahman", "Abdel Rahman", "Abd al-Rahman",
	    "Abdulrahman"),
	S("عبد الكريم", "Abd al-Karim", "Abdelkarim", "Abdulkarim", "Abdel Karim"),
	SK("عبد الله", "Abdo", "Abdallah", "Abdullah", "Abdalla"),
	S("عمر", "Omar", "Umar"),
	S("عثمان", "Osman", "Othman", "Uthman"),
	S("إبراهيم", "Ibrahim", "Ebrahim"),
	S("إسماعيل", "Ismail", "Ismael", "Esmail"),
	S("يوسف", "Yousif", "Youssef", "Yousef", "Yusuf"),
	S("حسن", "Hassan", "Hasan"),
	S("حسين", "Hussein", "Hussain", "Husein"),
	S("علي", "Ali"),
	S("خالد", "Khalid", "Khaled"),
	S("مصطفى", "Mustafa", "Mostafa", "Moustafa"),
	S("آدم", "Adam", "Adum"),
	S("موسى", "Musa", "Moussa", "Mousa"),
	S("عيسى", "Issa", "Eisa"),
	S("صالح", "Salih", "Saleh"),
	S("طارق", "Tariq", "Tarek", "Tarik"),
	S("حامد", "Hamid", "Hamed"),
	S("محمود", "Mahmoud", "Mahmud"),
	S("سليمان", "Suleiman", "Sulaiman", "Slimane"),
	S("يحيى", "Yahya", "Yehia"),
	S("عبد العزيز", "Abdelaziz", "Abdulaziz", "Abd al-Aziz"),
	S("جمال", "Jamal", "Gamal"),
	S("أنس", "Anas"),
	S("بلال", "Bilal", "Belal"),
	S("حمزة", "Hamza", "Hamzah"),
	S("إدريس", "Idris", "Idriss", "Edris"),
	S("ناصر", "Nasser", "Nasir"),
	S("فيصل", "Faisal", "Faysal"),
	S("وليد", "Walid", "Waleed"),
	S("كريم", "Karim", "Kareem"),
	S("مهند", "Mohanad", "Muhannad"),
	S("سامي", "Sami", "Samy"),
	S("ياسين", "Yassin", "Yasin", "Yaseen"),
	S("زكريا", "Zakaria", "Zakariya"),
	S("أمير", "Amir", "Ameer"),
	S("مجاهد", "Mujahid", "Mogahid"),
	S("مازن", "Mazin", "Mazen"),
	S("أبو بكر", "Abubakar", "Abu Bakr", "Abubaker"),
};

static const struct name arabic_elder[] = {
	S("الفاضل", "Elfadil", "El-Fadil", "Al-Fadil"),
	S("الطيب", "Eltayeb", "El-Tayeb", "Al-Tayyib"),
	S("الصادق", "Elsadig", "El-Sadig", "Al-Sadiq"),
	S("النور", "Elnour", "El-Nour", "Al-Nur"),
	S("الأمين", "Elamin", "El-Amin", "Al-Amin"),
	S("الهادي", "Elhadi", "El-Hadi", "Al-Hadi"),
	S("السر", "Elsir", "El-Sir"),
	S("عبد المنعم", "Abdelmoneim", "Abdel Moneim", "Abd al-Munim"),
	S("عبد القادر", "Abdelgadir", "Abdelkader", "Abd al-Qadir"),
	S("بابكر", "Babiker", "Babikir"),
	S("بكري", "Bakri", "Bakry"),
	S("هارون", "Haroun", "Harun"),
	S("محجوب", "Mahjoub", "Mahgoub"),
	S("رمضان", "Ramadan", "Ramadhan"),
	S("خميس", "Khamis", "Khamees"),
	S("أبكر", "Abakar", "Abakkar"),
};

static const struct name arabic_female[] = {
	SK("فاطمة", "Fatoum", "Fatima", "Fatma", "Fatouma"),
	S("عائشة", "Aisha", "Aicha", "Ayesha"),
	S("آمنة", "Amna", "Amnah"),
	S("أمينة", "Amina", "Ameena"),
	S("مريم", "Mariam", "Maryam", "Meriem"),
	S("خديجة", "Khadija", "Khadiga", "Khadidja"),
	S("زينب", "Zainab", "Zeinab", "Zaynab"),
	S("حواء", "Hawa", "Hawaa"),
	S("صفاء", "Safa", "Safaa"),
	S("مروة", "Marwa", "Marwah"),
	S("رانيا", "Rania", "Ranya"),
	S("هدى", "Huda", "Hoda"),
	S("نور", "Nour", "Noor", "Nur"),
	S("سلمى", "Salma", "Selma"),
	S("سميرة", "Samira", "Sameera"),
	S("ليلى", "Layla", "Leila", "Laila"),
	S("نادية", "Nadia", "Nadya"),
	S("أسماء", "Asma", "Asmaa"),
	S("روان", "Rawan"),
	S("هبة", "Hiba", "Heba"),
	S("سارة", "Sara", "Sarah"),
	S("ياسمين", "Yasmin", "Yasmine", "Jasmin"),
	S("ريم", "Reem", "Rim"),
	S("ملاك", "Malak"),
	S("شهد", "Shahd", "Shahad"),
	S("إسراء", "Esraa", "Israa"),
	S("دعاء", "Duaa", "Doaa"),
	S("هديل", "Hadeel", "Hadil"),
	S("تسنيم", "Tasneem", "Tasnim"),
	S("نفيسة", "Nafisa", "Nafeesa"),
	S("حليمة", "Halima", "Haleema"),
	S("هاجر", "Hajer", "Hajar", "Hagar"),
	S("منى", "Mona", "Muna"),
};

static const struct name libya_family[] = {
	S("بن صالح", "Ben Salah", "Bin Salah", "Ben Saleh"),
	S("بن عمران", "Ben Omran", "Bin Omran", "Ben Imran"),
	S("الطيب", "El-Tayeb", "Al-Tayeb", "Eltayeb"),
	S("الشريف", "El-Sharif", "Al-Sharif", "Elsherif"),
	S("المصراتي", "Al-Misrati", "El-Misrati", "Misrati"),
	S("الورفلي", "Al-Warfalli", "El-Werfalli", "Warfalli"),
	S("الترهوني", "Al-Tarhouni", "Tarhuni"),
	S("العبيدي", "Al-Obeidi", "El-Obaidi"),
	S("الزنتاني", "Al-Zintani", "Zentani"),
	S("بن حامد", "Ben Hamed", "Bin Hamid"),
	S("الفيتوري", "Al-Fitouri", "El-Fitouri"),
	S("المبروك", "El-Mabrouk", "Al-Mabrouk", "Mabrouk"),
};

static const struct name syria_family[] = {
	S("الأحمد", "Al-Ahmad", "Alahmad", "El-Ahmad"),
	S("الحسن", "Al-Hassan", "Alhasan", "El-Hassan"),
	S("الخطيب", "Al-Khatib", "El-Khatib", "Khatib"),
	S("الحلبي", "Al-Halabi", "Halabi"),
	S("الشامي", "Al-Shami", "El-Shami", "Shami"),
	S("النجار", "Al-Najjar", "Najjar", "El-Naggar"),
	S("العلي", "Al-Ali", "Alali"),
	S("الحمصي", "Al-Homsi", "Homsi"),
	S("درويش", "Darwish", "Derwish"),
	S("حداد", "Haddad", "Hadad"),
	S("قاسم", "Kassem", "Qasim", "Kasem"),
	S("شحادة", "Shehadeh", "Shahada", "Chehade"),
	S("الزعبي", "Al-Zoubi", "Zoubi", "Al-Zubi"),
	S("الحموي", "Al-Hamwi", "Hamwi"),
	S("الصباغ", "Al-Sabbagh", "Sabbagh"),
	S("المصري", "Al-Masri", "El-Masri", "Masri"),
};

/* Particles of the Mauritanian "son of" / "daughter of" names. */
static const struct name particles[] = {
	S("ولد", "Ould"),
	S("منت", "Mint"),
};

/* West African francophone: Mande, Fula, Wolof, Hausa names. */
static const struct name wa_male[] = {
	LK("Madou", "Mamadou", "Mamadu", "Mahamadou"), L("Ousmane", "Usman", "Oussmane"),
	LK("Iba", "Ibrahima", "Ibrahim"), L("Moussa", "Musa"), L("Amadou", "Ahmadou", "Hamadou"),
	LK("Laye", "Abdoulaye", "Abdoulay", "Abdulai"),
	LK("Solo", "Souleymane", "Souleyman", "Sulayman"),
	LK("Bouba", "Boubacar", "Aboubacar", "Boubakar"), L("Seydou", "Seidou"),
	L("Lassana", "Lassina"), L("Bakary", "Bakari"), L("Drissa", "Idrissa"), L("Adama"),
	L("Modibo"), L("Cheick", "Cheikh", "Sheikh"), L("Alassane", "Alhassane"),
	L("Oumar", "Omar"), L("Moustapha", "Mustapha"), L("Sékou", "Sekou"),
	L("Lamine", "Lamin"), L("Thierno", "Tierno"), L("Saïdou", "Saidou"),
	L("Ismaël", "Ismael", "Ismaila"), L("Yacouba", "Yakuba"), L("Sidiki", "Siddick"),
	L("Fodé", "Fode"), L("Mory"), L("Kalilou", "Khalilou"), L("Daouda", "Dauda"),
	L("Hamidou"), L("Modou", "Mode"), L("Pape", "Papa"), L("Babacar", "Babakar"),
	L("Moctar", "Mokhtar"), L("Aliou", "Alioune"), L("Mohamed", "Mohammed"),
	L("Salif"), L("Alpha"), L("Karamoko"),
};

static const struct name wa_female[] = {
	LK("Mina", "Aminata", "Aminatou"), LK("Fatou", "Fatoumata", "Fatimata", "Fatoumatta"),
	L("Awa"), L("Mariam", "Mariama", "Maryam"), LK("Kadi", "Kadiatou", "Kadiatu"),
	L("Aïssata", "Aissata"), L("Hawa"), L("Djénéba", "Djeneba", "Jeneba"),
	L("Oumou", "Oumy"), L("Rokia", "Rokiatou"), LK("Sali", "Salimata"),
	L("Assétou", "Assetou"), L("Kadidia", "Kadidiatou"), L("Binta", "Bintou"), L("Fanta"),
	L("Nafissatou", "Nafisatou"), L("Ramatoulaye", "Ramata"), L("Aïcha", "Aicha"),
	L("Aïssatou", "Aissatou"), L("Khady", "Khadi"), L("Ndèye", "Ndeye"),
	L("Coumba", "Kumba"), L("Sokhna"), L("Adja", "Adjaratou"), L("Safiatou"),
	L("Korotoumou"), L("Maïmouna", "Maimouna", "Maimuna"), L("Tenin"),
	L("Hadiza", "Hadizatou"), L("Zeinabou", "Zenabou"), L("Balkissa"),
};

static const struct name wa_family[] = {
	L("Traoré", "Traore"), L("Diallo", "Jallow"), L("Keïta", "Keita"),
	L("Coulibaly", "Kulibali"), L("Konaté", "Konate"), L("Sow"), L("Camara", "Kamara"),
	L("Touré", "Toure"), L("Diarra"), L("Cissé", "Cisse"), L("Sissoko", "Cissoko"),
	L("Bah", "Ba"), L("Barry", "Bari"), L("Sylla", "Silla"), L("Koné", "Kone"),
	L("Ouédraogo", "Ouedraogo"), L("Sawadogo"), L("Kaboré", "Kabore"),
	L("Ndiaye", "N'Diaye"), L("Diop"), L("Fall"), L("Sy"), L("Diakité", "Diakite"),
	L("Dembélé", "Dembele"), L("Sangaré", "Sangare"), L("Doumbia", "Doumbya"),
	L("Kanté", "Kante"), L("Kouyaté", "Kouyate"), L("Bamba"), L("Ouattara", "Watara"),
	L("Soumaré", "Soumare"), L("Baldé", "Balde"), L("Condé", "Conde"), L("Kourouma"),
	L("Soumah", "Souma"), L("Bangoura"), L("Maïga", "Maiga"), L("Gueye", "Guèye"),
	L("Mbaye"), L("Faye"), L("Sarr"), L("Seck"), L("Abdou"), L("Hamani"), L("Seyni"),
	L("Tall"), L("Diané", "Diane"), L("Fofana"), L("Bagayoko"), L("Samaké", "Samake"),
	L("Koïta", "Koita"), L("Sacko", "Sako"),
};

/* Cameroon. */
static const struct name cm_male[] = {
	L("Jean-Paul", "Jean Paul"), L("Brice"), L("Franck", "Frank"), L("Junior"),
	L("Arnaud"), L("Cédric", "Cedric"), L("Serge"), L("Christian"), L("Hervé", "Herve"),
	L("Boris"), L("Ibrahim"), L("Aboubakar", "Aboubacar"), L("Steve"), L("Landry"),
	L("Yannick"), L("Roméo", "Romeo"),
};

static const struct name cm_female[] = {
	L("Christelle"), L("Larissa"), L("Vanessa"), L("Sandrine"), L("Brenda"), L("Carine"),
	L("Mireille"), L("Nadège", "Nadege"), L("Grâce", "Grace"), L("Estelle"),
	L("Aïssatou", "Aissatou"), L("Ruth"), L("Laure"),
};

static const struct name cm_family[] = {
	L("Mbarga"), L("Fotso"), L("Ngono"), L("Ndongo"), L("Atangana"), L("Essomba"),
	L("Tchamba"), L("Kamga"), L("Nana"), L("Talla"), L("Nkeng"), L("Manga"), L("Owona"),
	L("Mballa"), L("Njoya"),
};

/* Central America, Venezuela. */
static const struct name latam_male[] = {
	LK("Chepe", "José", "Jose"), LK("Lucho", "Luis"), L("Juan"), L("Carlos"), L("Kevin"),
	L("Alexander", "Alexánder"), L("Josué", "Josue"), L("Jonathan", "Jonatan", "Yonatan"),
	L("Brayan", "Bryan", "Brian"), L("Anderson"), L("Elmer"), L("Wilmer", "Wilmar"),
	L("Edwin"), L("Marvin"), L("Óscar", "Oscar"), LK("Coque", "Jorge"), L("Mario"),
	LK("Pancho", "Francisco"), L("Miguel"), L("Ángel", "Angel"), L("David"), L("Daniel"),
	L("Jefferson", "Yeferson"), L("Denis", "Dennis"), L("Henry"),
	L("Erick", "Eric", "Erik"), L("Cristian", "Christian"), L("Jairo"),
	LK("Nando", "Fernando"), LK("Alex", "Alejandro"), L("Diego"), LK("Chuy", "Jesús", "Jesus"),
	LK("Toño", "Antonio"), LK("Manolo", "Manuel"), L("Pedro"), L("Javier"), L("Wilson"),
	L("Byron", "Bairon"), L("Selvin"), L("Yeison", "Jeison"), L("Santos"), L("Elvin"),
	L("Rudy", "Rudi"), L("Gerson"), LK("Memo", "Guillermo"), LK("Lalo", "Eduardo"),
	L("Jhon", "John"), L("Yorman"), L("Roberto"), L("Nelson"),
};

static const struct name latam_female[] = {
	LK("Mari", "María", "Maria"), LK("Fer", "Fernanda"), L("Ana"), L("Sofía", "Sofia"),
	L("Valeria"), LK("Dani", "Daniela"), LK("Gaby", "Gabriela"), L("Andrea"),
	L("Karla", "Carla"), L("Jennifer", "Yennifer"), L("Heidy", "Heydi", "Heidi"),
	L("Yesenia", "Yessenia"), L("Dayana", "Dayanna"), L("Nicole"), LK("Ale", "Alejandra"),
	L("Génesis", "Genesis"), L("Keyla", "Kayla"), L("Wendy"), L("Lesly", "Lesley"),
	L("Cindy", "Sindy"), L("Yaneth", "Janeth"), L("Rosa"), L("Carmen"),
	LK("Lupe", "Guadalupe"), L("Marisol"), LK("Tefi", "Estefany", "Stephanie", "Estefani"),
	L("Glenda"), L("Dulce"), L("Lucía", "Lucia"), L("Paola"), L("Mayra", "Maira"),
	L("Nancy"), L("Kimberly", "Kimberli"), L("Ashley"), L("Yuliana", "Juliana"),
	L("Yorgelis"), L("Milagros"), LK("Chabela", "Isabel"),
};

static const struct name latam_family[] = {
	L("Hernández", "Hernandez"), L("Pérez", "Perez"), L("López", "Lopez"),
	L("García", "Garcia"), L("Martínez", "Martinez"), L("Ramos"),
	L("Rodríguez", "Rodriguez"), L("González", "Gonzalez"), L("Mejía", "Mejia"),
	L("Flores"), L("Reyes"), L("Cruz"), L("Morales"), L("Castillo"),
	L("Ramírez", "Ramirez"), L("Aguilar"), L("Sánchez", "Sanchez"), L("Díaz", "Diaz"),
	L("Ortiz"), L("Chávez", "Chavez"), L("Mendoza"), L("Romero"), L("Vásquez", "Vasquez"),
	L("Gómez", "Gomez"), L("Méndez", "Mendez"), L("Juárez", "Juarez"), L("Pineda"),
	L("Orellana"), L("Alvarado"), L("Zelaya"), L("Velásquez", "Velasquez"), L("Rivera"),
	L("Escobar"), L("Lemus"), L("Banegas"), L("Maldonado"), L("Murillo"), L("Castro"),
	L("Ortega"), L("Torres"), L("Álvarez", "Alvarez"), L("Guzmán", "Guzman"),
	L("Contreras"), L("Paz"), L("Osorio"), L("Argueta"), L("Portillo"),
};

/* Guatemala: family names common among Mam, K'iche' and Q'eqchi' speakers. */
static const struct name mam_family[] = {
	L("Domingo"), L("Mateo"), L("Gabriel"), L("Ramírez", "Ramirez"), L("Pérez", "Perez"),
	L("Jiménez", "Jimenez"), L("López", "Lopez"), L("Bravo"),
};

static const struct name kiche_family[] = {
	L("Tzoc"), L("Tum"), L("Ixcoy"), L("Tzul"), L("Xiloj"), L("Ajú", "Aju"),
	L("Tzunún", "Tzunun"), L("Cux"), L("Ixcot"),
};

static const struct name qeqchi_family[] = {
	L("Caal"), L("Choc"), L("Pop"), L("Xol"), L("Coc"), L("Chub"), L("Ical"), L("Tiul"),
	L("Maquín", "Maquin"),
};

/* Haiti. */
static const struct name haiti_male[] = {
	L("Jean"), L("Wilson"), L("Stevenson"), L("Peterson"), L("Dieuseul"),
	L("Jocelyn", "Josselin"), L("Frantz", "Franz"), L("Wilner"), L("Kervens"),
	L("Woodley", "Woodly"), L("Jameson"), L("Mackenson"), L("Rodney"), L("Ronald"),
	L("Emmanuel"), L("Louis"), L("Samuel"), L("Nickson"), L("Kenson"),
};

static const struct name haiti_female[] = {
	L("Wideline", "Widline"), L("Fabiola"), L("Nadège", "Nadege"), L("Mirlande"),
	L("Rose-Marie", "Rosemarie"), L("Guerline"), L("Sabine"), L("Nathalie"),
	L("Roseline"), L("Medjine", "Medgine"), L("Esther"), L("Jessica"), L("Fedna"),
	L("Lovely"), L("Judith"), L("Marie"), L("Nerline"),
};

static const struct name haiti_family[] = {
	L("Joseph"), L("Pierre"), L("Jean-Louis"), L("Louis"), L("Charles"),
	L("Saint-Fleur", "St Fleur"), L("Désir", "Desir"), L("Dorvil"), L("Jean-Baptiste"),
	L("François", "Francois"), L("Augustin"), L("Estimé", "Estime"), L("Exantus"),
	L("Louissaint", "Louis-Saint"), L("Paul"), L("Célestin", "Celestin"),
	L("Bien-Aimé", "Bienaime"), L("Noël", "Noel"), L("Alexis"), L("Jeune"), L("Michel"),
	L("Étienne", "Etienne"), L("Pierre-Louis"),
};

/* Afghanistan: Dari and Pashto names in Persian script. */
static const struct name afghan_male[] = {
	S("احمد", "Ahmad", "Ahmed"),
	S("محمد", "Mohammad", "Mohammed", "Muhammad"),
	S("علی", "Ali"),
	S("حمید", "Hamid", "Hameed"),
	S("فرید", "Farid", "Fareed"),
	S("جواد", "Jawad", "Javad"),
	S("سهراب", "Sohrab", "Suhrab"),
	S("مصطفی", "Mustafa", "Mostafa"),
	S("رحیم", "Rahim", "Raheem"),
	S("کریم", "Karim", "Kareem"),
	S("سید", "Sayed", "Sayyid"),
	S("حسین", "Hussain", "Hossein", "Hussein"),
	S("ناصر", "Nasir", "Naser"),
	S("رشید", "Rashid", "Rasheed"),
	S("امید", "Omid", "Umid"),
	S("شفیق", "Shafiq", "Shafiq"),
	S("نورالله", "Noorullah", "Nurullah"),
	S("احسان", "Ehsan", "Ihsan"),
	S("بلال", "Bilal", "Belal"),
	S("ادریس", "Idris", "Edris"),
	S("وحید", "Wahid", "Waheed"),
	S("مسعود", "Masoud", "Massoud", "Masud"),
	S("یما", "Yama"),
	S("جمشید", "Jamshid", "Jamshed"),
	S("حبیب", "Habib", "Habeeb"),
	S("نوید", "Nawid", "Navid"),
	S("فواد", "Fawad", "Fuad"),
	S("خلیل", "Khalil", "Khaleel"),
	S("اسدالله", "Asadullah"),
	S("مجتبی", "Mujtaba", "Mojtaba"),
	S("رضا", "Reza", "Raza"),
	S("سمیر", "Samir", "Sameer"),
};

static const struct name afghan_female[] = {
	S("فاطمه", "Fatima", "Fatema"),
	S("مریم", "Maryam", "Mariam"),
	S("زهرا", "Zahra", "Zohra"),
	S("پروانه", "Parwana", "Parvaneh"),
	S("نرگس", "Nargis", "Narges"),
	S("شبنم", "Shabnam"),
	S("فرزانه", "Farzana", "Farzaneh"),
	S("مرضیه", "Marzia", "Marzieh"),
	S("سعدیه", "Sadia", "Sadiya"),
	S("لیلا", "Laila", "Leila"),
	S("زینب", "Zainab", "Zeinab"),
	S("معصومه", "Masooma", "Masoumeh"),
	S("رویا", "Roya"),
	S("مرسل", "Mursal"),
	S("فرشته", "Fereshta", "Fereshteh"),
	S("نازنین", "Nazanin"),
	S("سکینه", "Sakina", "Sakineh"),
	S("خدیجه", "Khadija", "Khadijeh"),
	S("سمیه", "Somaya", "Somayeh", "Sumaya"),
	S("تهمینه", "Tahmina", "Tahmineh"),
	S("محبوبه", "Mahbooba", "Mahbubeh"),
	S("حسنا", "Hosna", "Husna"),
	S("ستاره", "Setara", "Setareh"),
};

static const struct name afghan_family[] = {
	S("احمدی", "Ahmadi"), S("رحیمی", "Rahimi"), S("کریمی", "Karimi"),
	S("حکیمی", "Hakimi"), S("نوری", "Noori", "Nouri"), S("هاشمی", "Hashimi", "Hashemi"),
	S("عزیزی", "Azizi"), S("امیری", "Amiri"), S("حیدری", "Haidari", "Heidari"),
	S("محمدی", "Mohammadi"), S("جعفری", "Jafari", "Jafary"),
	S("حسینی", "Hussaini", "Hosseini"), S("سلطانی", "Sultani", "Soltani"),
	S("صافی", "Safi"), S("وردک", "Wardak"), S("شینواری", "Shinwari"),
	S("ستانکزی", "Stanikzai", "Stanekzai"), S("سادات", "Sadat"),
	S("رضایی", "Rezaei", "Rezayee"), S("نظری", "Nazari"), S("قادری", "Qaderi", "Ghaderi"),
	S("شریفی", "Sharifi"), S("پوپل", "Popal"), S("مهمند", "Mohmand"),
};

/* Italy: staff names only (reception centres). */
static const struct name italian_male[] = {
	L("Luca"), L("Giuseppe"), L("Andrea"), L("Matteo"), L("Francesco"), L("Alessandro"),
	L("Davide"), L("Stefano"), L("Simone"), L("Lorenzo"),
};

static const struct name italian_female[] = {
	L("Giulia"), L("Francesca"), L("Chiara"), L("Sara"), L("Elena"), L("Valentina"),
	L("Martina"), L("Federica"), L("Silvia"), L("Alessia"),
};

static const struct name italian_family[] = {
	L("Russo"), L("Ferrari"), L("Esposito"), L("Bianchi"), L("Romano"), L("Colombo"),
	L("Ricci"), L("Marino"), L("Greco"), L("Bruno"), L("Gallo"), L("Conti"),
	L("De Luca"), L("Costa"), L("Giordano"), L("Mancini"), L("Rizzo"), L("Lombardi"),
	L("Moretti"),
};

struct pool {
	struct namelist	male, female;
	struct namelist	elder;		/* more names for fathers and grandfathers */
};

static const struct pool pool_horn = {
	LIST(horn_male), LIST(horn_female), LIST(horn_elder)
};
static const struct pool pool_oromo = { LIST(oromo_male), LIST(oromo_female), { NULL, 0 } };
static const struct pool pool_somali = {
	LIST(somali_male), LIST(somali_female), { NULL, 0 }
};
static const struct pool pool_arabic = {
	LIST(arabic_male), LIST(arabic_female), LIST(arabic_elder)
};
static const struct pool pool_wa = { LIST(wa_male), LIST(wa_female), { NULL, 0 } };
static const struct pool pool_cm = { LIST(cm_male), LIST(cm_female), { NULL, 0 } };
static const struct pool pool_latam = { LIST(latam_male), LIST(latam_female), { NULL, 0 } };
static const struct pool pool_haiti = { LIST(haiti_male), LIST(haiti_female), { NULL, 0 } };
static const struct pool pool_afghan = {
	LIST(afghan_male), LIST(afghan_female), { NULL, 0 }
};
static const struct pool pool_italian = {
	LIST(italian_male), LIST(italian_female), { NULL, 0 }
};

static const struct namelist fam_libya = LIST(libya_family);
static const struct namelist fam_syria = LIST(syria_family);
static const struct namelist fam_wa = LIST(wa_family);
static const struct namelist fam_cm = LIST(cm_family);
static const struct namelist fam_latam = LIST(latam_family);
static const struct namelist fam_mam = LIST(mam_family);
static const struct namelist fam_kiche = LIST(kiche_family);
static const struct namelist fam_qeqchi = LIST(qeqchi_family);
static const struct namelist fam_haiti = LIST(haiti_family);
static const struct namelist fam_afghan = LIST(afghan_family);
static const struct namelist fam_italian = LIST(italian_family);
static const struct namelist list_particles = LIST(particles);

/*
 * Well-known public figures whose names the random combinations could produce: a name
 * whose first name is the first word here and that has the other words after it, in
 * order, in any of their spellings, is drawn again.
 */
static const char *const blocked_names[][3] = {
	{ "Mohamed", "Salah", NULL }, { "Mohamed", "Morsi", NULL },
	{ "Mohamed", "Farah", NULL }, { "Mohamed", "Abdullahi", "Mohamed" },
	{ "Mohamed", "Hamdan", NULL }, { "Mohamed", "Bazoum", NULL },
	{ "Omar", "Bashir", NULL }, { "Omar", "Mukhtar", NULL }, { "Jamal", "Nasser", NULL },
	{ "Abdullahi", "Yusuf", NULL }, { "Ayaan", "Hirsi", NULL }, { "Hamza", "Abdi", NULL },
	{ "Haile", "Gebreselassie", NULL }, { "Abebe", "Bikila", NULL },
	{ "Almaz", "Ayana", NULL }, { "Tedros", "Ghebreyesus", NULL },
	{ "Aminata", "Traoré", NULL }, { "Salif", "Keïta", NULL }, { "Alpha", "Condé", NULL },
	{ "Oumou", "Sangaré", NULL }, { "Rokia", "Traoré", NULL }, { "Seydou", "Keïta", NULL },
	{ "Ousmane", "Dembélé", NULL }, { "Moussa", "Sissoko", NULL },
	{ "Moussa", "Dembélé", NULL }, { "Adama", "Traoré", NULL },
	{ "Mariam", "Doumbia", NULL }, { "Fatoumata", "Keïta", NULL },
	{ "Idrissa", "Gueye", NULL }, { "Amadou", "Bagayoko", NULL },
	{ "Ibrahima", "Boubacar", "Keïta" }, { "Moussa", "Camara", NULL },
	{ "Juan", "Hernández", NULL }, { "Daniel", "Ortega", NULL }, { "Jimmy", "Morales", NULL },
	{ "Manuel", "Zelaya", NULL }, { "Jennifer", "López", NULL }, { "Óscar", "Romero", NULL },
	{ "Pedro", "Castillo", NULL }, { "Jorge", "Ramos", NULL }, { "Luis", "Miguel", NULL },
	{ "Ahmad", "Masoud", NULL }, { "Mohammad", "Nabi", NULL },
	{ "Giuseppe", "Conti", NULL },
};

/* ---- nations -------------------------------------------------------------------------- */

enum style {
	ST_THREE,		/* given + father + grandfather */
	ST_FATHER_FAMILY,	/* given + father + family name */
	ST_OULD,		/* given + Ould/Mint + father */
	ST_FAMILY,		/* given (+ second given) + family name */
	ST_HISPANIC		/* given (+ second given) + father's + mother's first surname */
};

enum profile { PR_REFUGEE, PR_MIXED, PR_MIGRANT, PR__MAX };

struct lang {
	const char		*code;
	unsigned		 weight;
	const struct namelist	*family;	/* family names of its speakers, or NULL */
};

struct dest {
	const char	*cc;
	unsigned	 weight;
};

struct nation {
	const char		*cc;
	unsigned		 weight;	/* per mille of cases */
	unsigned		 staff_weight;
	enum style		 style;
	enum profile		 profile;
	unsigned		 script_pct;	/* name_original_script, when the names have it */
	unsigned		 given2_pct;	/* a second given name */
	unsigned		 nofamily_pct;	/* ST_FAMILY: the father's name in its place */
	const struct pool	*pool;
	const struct namelist	*family;
	struct lang		 lang[4];
	const char		*extra_lang;	/* a second language, sometimes */
	unsigned		 extra_pct;
	struct dest		 dest[8];	/* where the child is now, on the route */
};

static const struct nation nations[] = {
	{ "ER", 150, 8, ST_THREE, PR_REFUGEE, 55, 0, 0, &pool_horn, NULL,
	  { { "ti", 85, NULL }, { "tig", 15, NULL } }, "ar", 15,
	  { { "SD", 25 }, { "ET", 20 }, { "LY", 25 }, { "IT", 15 }, { "EG", 8 }, { "UG", 7 } } },
	{ "ET", 80, 10, ST_THREE, PR_MIXED, 50, 0, 0, &pool_horn, NULL,
	  { { "am", 65, NULL }, { "ti", 35, NULL } }, "en", 8,
	  { { "DJ", 18 }, { "YE", 22 }, { "SO", 8 }, { "KE", 14 }, { "SD", 10 }, { "LY", 10 },
	    { "ET", 12 }, { "IT", 6 } } },
	{ "ET", 30, 4, ST_THREE, PR_MIXED, 0, 0, 0, &pool_oromo, NULL,
	  { { "om", 100, NULL } }, "am", 35,
	  { { "DJ", 25 }, { "YE", 30 }, { "SO", 15 }, { "KE", 15 }, { "ET", 15 } } },
	{ "SO", 90, 5, ST_THREE, PR_REFUGEE, 0, 0, 0, &pool_somali, NULL,
	  { { "so", 100, NULL } }, "ar", 12,
	  { { "KE", 30 }, { "ET", 20 }, { "YE", 15 }, { "LY", 15 }, { "IT", 10 }, { "UG", 10 } } },
	{ "SD", 80, 8, ST_THREE, PR_REFUGEE, 50, 0, 0, &pool_arabic, NULL,
	  { { "ar", 100, NULL } }, "en", 10,
	  { { "TD", 25 }, { "EG", 25 }, { "LY", 20 }, { "ET", 8 }, { "TN", 5 }, { "IT", 10 },
	    { "SD", 7 } } },
	{ "EG", 25, 4, ST_THREE, PR_MIGRANT, 50, 0, 0, &pool_arabic, NULL,
	  { { "ar", 100, NULL } }, NULL, 0,
	  { { "LY", 60 }, { "IT", 40 } } },
	{ "LY", 10, 6, ST_FATHER_FAMILY, PR_MIGRANT, 50, 0, 0, &pool_arabic, &fam_libya,
	  { { "ar", 100, NULL } }, "en", 5,
	  { { "LY", 50 }, { "TN", 20 }, { "IT", 30 } } },
	{ "TD", 20, 2, ST_THREE, PR_MIGRANT, 45, 0, 0, &pool_arabic, NULL,
	  { { "ar", 100, NULL } }, "fr", 30,
	  { { "LY", 50 }, { "NE", 30 }, { "IT", 20 } } },
	{ "SY", 25, 3, ST_FATHER_FAMILY, PR_REFUGEE, 50, 0, 0, &pool_arabic, &fam_syria,
	  { { "ar", 100, NULL } }, "en", 8,
	  { { "LY", 25 }, { "EG", 20 }, { "TR", 30 }, { "GR", 12 }, { "IT", 13 } } },
	{ "MR", 10, 1, ST_OULD, PR_MIGRANT, 50, 0, 0, &pool_arabic, NULL,
	  { { "ar", 100, NULL } }, "fr", 25,
	  { { "ES", 55 }, { "MA", 25 }, { "MX", 20 } } },
	{ "ML", 45, 5, ST_FAMILY, PR_MIGRANT, 0, 12, 0, &pool_wa, &fam_wa,
	  { { "bm", 75, NULL }, { "ff", 25, NULL } }, "fr", 45,
	  { { "ML", 8 }, { "NE", 10 }, { "DZ", 22 }, { "MR", 15 }, { "MA", 15 }, { "ES", 15 },
	    { "LY", 10 }, { "TN", 5 } } },
	{ "GN", 50, 4, ST_FAMILY, PR_MIGRANT, 0, 12, 0, &pool_wa, &fam_wa,
	  { { "ff", 45, NULL }, { "sus", 30, NULL }, { "mnk", 25, NULL } }, "fr", 55,
	  { { "ML", 12 }, { "DZ", 15 }, { "LY", 15 }, { "TN", 20 }, { "MA", 12 }, { "ES", 10 },
	    { "IT", 16 } } },
	{ "CI", 35, 3, ST_FAMILY, PR_MIGRANT, 0, 10, 0, &pool_wa, &fam_wa,
	  { { "dyu", 55, NULL }, { "fr", 45, NULL } }, "fr", 60,
	  { { "TN", 30 }, { "LY", 20 }, { "IT", 25 }, { "ML", 10 }, { "MA", 15 } } },
	{ "SN", 25, 3, ST_FAMILY, PR_MIGRANT, 0, 12, 0, &pool_wa, &fam_wa,
	  { { "wo", 70, NULL }, { "ff", 20, NULL }, { "mnk", 10, NULL } }, "fr", 50,
	  { { "MR", 25 }, { "ES", 45 }, { "MA", 15 }, { "ML", 15 } } },
	{ "BF", 15, 2, ST_FAMILY, PR_MIGRANT, 0, 10, 0, &pool_wa, &fam_wa,
	  { { "dyu", 45, NULL }, { "ff", 25, NULL }, { "fr", 30, NULL } }, "fr", 40,
	  { { "NE", 25 }, { "LY", 20 }, { "DZ", 20 }, { "IT", 15 }, { "ML", 20 } } },
	{ "NE", 10, 2, ST_FAMILY, PR_MIGRANT, 0, 10, 0, &pool_wa, &fam_wa,
	  { { "ha", 75, NULL }, { "ff", 25, NULL } }, "fr", 40,
	  { { "NE", 30 }, { "DZ", 30 }, { "LY", 40 } } },
	{ "CM", 15, 2, ST_FAMILY, PR_MIGRANT, 0, 15, 0, &pool_cm, &fam_cm,
	  { { "fr", 85, NULL }, { "ff", 15, NULL } }, "en", 15,
	  { { "NE", 15 }, { "DZ", 20 }, { "LY", 15 }, { "TN", 25 }, { "MA", 15 }, { "IT", 10 } } },
	{ "HN", 80, 8, ST_HISPANIC, PR_MIGRANT, 0, 60, 0, &pool_latam, &fam_latam,
	  { { "es", 100, NULL } }, NULL, 0,
	  { { "GT", 35 }, { "MX", 50 }, { "HN", 15 } } },
	{ "GT", 70, 6, ST_HISPANIC, PR_MIGRANT, 0, 55, 0, &pool_latam, &fam_latam,
	  { { "es", 65, NULL }, { "mam", 15, &fam_mam }, { "quc", 10, &fam_kiche },
	    { "kek", 10, &fam_qeqchi } }, "es", 60,
	  { { "MX", 70 }, { "GT", 30 } } },
	{ "SV", 35, 4, ST_HISPANIC, PR_MIGRANT, 0, 60, 0, &pool_latam, &fam_latam,
	  { { "es", 100, NULL } }, NULL, 0,
	  { { "GT", 30 }, { "MX", 60 }, { "SV", 10 } } },
	{ "NI", 15, 2, ST_HISPANIC, PR_MIGRANT, 0, 55, 0, &pool_latam, &fam_latam,
	  { { "es", 100, NULL } }, NULL, 0,
	  { { "CR", 25 }, { "HN", 20 }, { "GT", 20 }, { "MX", 35 } } },
	{ "VE", 40, 3, ST_HISPANIC, PR_MIXED, 0, 55, 0, &pool_latam, &fam_latam,
	  { { "es", 100, NULL } }, NULL, 0,
	  { { "CO", 35 }, { "PA", 25 }, { "GT", 10 }, { "MX", 30 } } },
	{ "HT", 20, 2, ST_FAMILY, PR_MIXED, 0, 20, 0, &pool_haiti, &fam_haiti,
	  { { "ht", 100, NULL } }, "fr", 35,
	  { { "MX", 45 }, { "PA", 20 }, { "CO", 10 }, { "GT", 15 }, { "HN", 10 } } },
	{ "AF", 25, 2, ST_FAMILY, PR_MIXED, 50, 0, 25, &pool_afghan, &fam_afghan,
	  { { "prs", 60, NULL }, { "ps", 40, NULL } }, NULL, 0,
	  { { "TR", 40 }, { "GR", 30 }, { "IT", 10 }, { "PA", 10 }, { "MX", 10 } } },
	{ "IT", 0, 10, ST_FAMILY, PR_MIGRANT, 0, 0, 0, &pool_italian, &fam_italian,
	  { { "it", 100, NULL } }, NULL, 0, { { NULL, 0 } } },
};

#define NATIONS	(sizeof(nations) / sizeof(nations[0]))

static const struct nation *
nation_pick(struct gen *g, int staff)
{
	unsigned w[NATIONS];
	size_t i;

	for (i = 0; i < NATIONS; i++)
		w[i] = staff ? nations[i].staff_weight : nations[i].weight;
	return &nations[pick_weighted(g, w, NATIONS)];
}

/* ---- people's names ----------------------------------------------------------------- */

struct tok {
	const struct name	*e;	/* NULL: none */
	unsigned		 v;	/* which Latin spelling */
};

static unsigned
spellings(const struct name *e)
{
	unsigned n = 0;

	while (n < NV && e->latin[n] != NULL)
		n++;
	return n;
}

/* A family writes its names one way: `habit` 0 is the usual spelling of each name, 1 the
 * second one (Somali orthography "Cabdi", unaccented "Traore", "Mohammed"); now and
 * then a name is spelled another way still. */
static unsigned
spelling_pick(struct gen *g, const struct name *e, unsigned habit)
{
	unsigned n = spellings(e);

	if (n <= 1)
		return 0;
	if (chance(g, 85))
		return habit < n ? habit : 0;
	return gen_uniform(g, n);
}

static struct tok
tok_pick(struct gen *g, const struct namelist *l, unsigned habit)
{
	struct tok t;

	t.e = &l->v[gen_uniform(g, (uint32_t)l->n)];
	t.v = spelling_pick(g, t.e, habit);
	return t;
}

/* A man's name for a father or grandfather: any man's name or an older one. */
static struct tok
tok_pick_elder(struct gen *g, const struct pool *p, unsigned habit)
{
	uint32_t i = gen_uniform(g, (uint32_t)(p->male.n + p->elder.n));
	struct tok t;

	t.e = i < p->male.n ? &p->male.v[i] : &p->elder.v[i - p->male.n];
	t.v = spelling_pick(g, t.e, habit);
	return t;
}

static int
tok_has(const struct tok *t, const char *word)
{
	unsigned i;

	for (i = 0; i < NV && t->e->latin[i] != NULL; i++)
		if (strcmp(t->e->latin[i], word) == 0)
			return 1;
	return 0;
}

#define PERSON_TOKS	6

struct person {
	struct tok	t[PERSON_TOKS];
	size_t		n;
	size_t		nfirst, nmiddle;	/* tokens of name_first, of name_middle */
};

static void
person_add(struct person *p, struct tok t)
{
	if (t.e != NULL && p->n < PERSON_TOKS)
		p->t[p->n++] = t;
}

/* The tokens of one person's name in the nation's convention. */
static void
person_make(struct person *p, const struct nation *nat, int female, struct tok given,
    struct tok given2, struct tok father, struct tok grandfather, struct tok fam,
    struct tok fam2)
{
	struct tok particle = { &particles[female ? 1 : 0], 0 };

	memset(p, 0, sizeof(*p));
	person_add(p, given);
	p->nfirst = 1;
	switch (nat->style) {
	case ST_THREE:
		person_add(p, father);
		p->nmiddle = 1;
		person_add(p, grandfather);
		break;
	case ST_FATHER_FAMILY:
		person_add(p, father);
		p->nmiddle = 1;
		person_add(p, fam);
		break;
	case ST_OULD:
		person_add(p, particle);
		person_add(p, father);
		break;
	case ST_FAMILY:
		if (given2.e != NULL && given2.e != given.e) {
			person_add(p, given2);
			p->nmiddle = 1;
		}
		person_add(p, fam.e != NULL ? fam : father);
		break;
	case ST_HISPANIC:
		if (given2.e != NULL && given2.e != given.e) {
			person_add(p, given2);
			p->nmiddle = 1;
		}
		person_add(p, fam);
		person_add(p, fam2);
		break;
	}
}

static int
person_blocked(const struct person *p)
{
	size_t b, i, k;

	for (b = 0; b < sizeof(blocked_names) / sizeof(blocked_names[0]); b++) {
		if (p->n == 0 || !tok_has(&p->t[0], blocked_names[b][0]))
			continue;
		for (i = 1, k = 1; i < p->n && k < 3 && blocked_names[b][k] != NULL; i++)
			if (tok_has(&p->t[i], blocked_names[b][k]))
				k++;
		if (k == 3 || blocked_names[b][k] == NULL)
			return 1;
	}
	return 0;
}

/*
 * Tokens from..to-1 of `p` joined by spaces into `b` (reset first): Latin spellings
 * (`alt` gives another spelling per token, or NULL), or the original script when
 * `script`. NULL when empty, out of memory, or a token has no script.
 */
static const char *
person_render(struct buf *b, const struct person *p, size_t from, size_t to, int script,
    const unsigned *alt)
{
	const char *s;
	size_t i;

	buf_reset(b);
	if (from >= to)
		return NULL;
	for (i = from; i < to; i++) {
		if (script)
			s = p->t[i].e->script;
		else
			s = p->t[i].e->latin[alt != NULL ? alt[i] : p->t[i].v];
		if (s == NULL)
			return NULL;
		if ((i > from && buf_putc(b, ' ') != 0) || buf_puts(b, s) != 0)
			return NULL;
	}
	return b->p;
}

/* ---- families ------------------------------------------------------------------------- */

struct family {
	const struct nation	*nat;
	const struct namelist	*surnames;	/* paternal family names */
	struct tok		 f, gf, ggf;	/* father, paternal grandfather and his father */
	struct tok		 mf, mgf;	/* mother's father and grandfather */
	struct tok		 fam, fam2;	/* father's family name(s); fam.e NULL: none */
	struct tok		 mfam, mfam2;	/* mother's */
	const struct name	*used[12];	/* given names in the family so far */
	size_t			 nused;
	unsigned		 habit;		/* spelling habit, see spelling_pick() */
};

static int
family_uses(const struct family *fm, const struct name *e)
{
	size_t i;

	for (i = 0; i < fm->nused; i++)
		if (fm->used[i] == e)
			return 1;
	return 0;
}

static void
family_use(struct family *fm, const struct name *e)
{
	if (fm->nused < sizeof(fm->used) / sizeof(fm->used[0]))
		fm->used[fm->nused++] = e;
}

static struct tok
surname_pick(struct gen *g, const struct family *fm)
{
	struct tok none = { NULL, 0 };

	if (fm->surnames == NULL || fm->fam.e == NULL)
		return none;
	return tok_pick(g, fm->surnames, fm->habit);
}

enum rel {
	R_MOTHER, R_FATHER, R_GRANDMOTHER, R_GRANDFATHER, R_SISTER, R_BROTHER, R_AUNT, R_UNCLE,
	R_COUSIN, R__MAX
};

static const char *const rel_ids[R__MAX] = {
	[R_MOTHER] = "mother", [R_FATHER] = "father", [R_GRANDMOTHER] = "grandmother",
	[R_GRANDFATHER] = "grandfather", [R_SISTER] = "sister", [R_BROTHER] = "brother",
	[R_AUNT] = "aunt", [R_UNCLE] = "uncle", [R_COUSIN] = "cousin",
};

/* 1 female, 0 male, -1 either. */
static const int rel_female[R__MAX] = {
	[R_MOTHER] = 1, [R_FATHER] = 0, [R_GRANDMOTHER] = 1, [R_GRANDFATHER] = 0,
	[R_SISTER] = 1, [R_BROTHER] = 0, [R_AUNT] = 1, [R_UNCLE] = 0, [R_COUSIN] = -1,
};

/* Draw the family's lines of names, so that the fixed parts of the father's and the
 * grandfathers' names are never a well-known person's. `lang_family` overrides the
 * nation's family names (Mayan speakers' surnames). */
static void
family_draw(struct gen *g, const struct nation *nat, const struct namelist *lang_family,
    struct family *fm)
{
	const struct pool *pl = nat->pool;
	const struct namelist *mother_list;
	struct tok none = { NULL, 0 };
	struct person p;
	int tries;

	memset(fm, 0, sizeof(*fm));
	fm->nat = nat;
	fm->surnames = lang_family != NULL ? lang_family : nat->family;
	fm->habit = chance(g, 30);
	mother_list = nat->family != NULL ? nat->family : fm->surnames;
	for (tries = 0; tries < 64; tries++) {
		fm->f = tok_pick_elder(g, pl, fm->habit);
		fm->gf = tok_pick_elder(g, pl, fm->habit);
		fm->ggf = tok_pick_elder(g, pl, fm->habit);
		fm->mf = tok_pick_elder(g, pl, fm->habit);
		fm->mgf = tok_pick_elder(g, pl, fm->habit);
		fm->fam = fm->fam2 = fm->mfam = fm->mfam2 = none;
		if (fm->f.e == fm->gf.e || fm->f.e == fm->mf.e || fm->gf.e == fm->mf.e ||
		    fm->gf.e == fm->ggf.e || fm->mf.e == fm->mgf.e)
			continue;	/* the lines' men are not namesakes */
		if (fm->surnames != NULL && !(nat->style == ST_FAMILY &&
		    nat->nofamily_pct > 0 && chance(g, nat->nofamily_pct))) {
			fm->fam = tok_pick(g, fm->surnames, fm->habit);
			fm->fam2 = tok_pick(g, fm->surnames, fm->habit);
			fm->mfam = tok_pick(g, chance(g, 60) ? fm->surnames : mother_list,
			    fm->habit);
			fm->mfam2 = tok_pick(g, chance(g, 60) ? fm->surnames : mother_list,
			    fm->habit);
			if (fm->fam2.e == fm->fam.e || fm->mfam2.e == fm->mfam.e ||
			    fm->mfam.e == fm->fam.e)
				continue;	/* "Ramírez Ramírez" exists, but rarely */
		}
		person_make(&p, nat, 0, fm->f, none, fm->gf, fm->ggf, fm->fam, fm->fam2);
		if (person_blocked(&p))
			continue;
		person_make(&p, nat, 0, fm->gf, none, fm->ggf, none, fm->fam, none);
		if (person_blocked(&p))
			continue;
		person_make(&p, nat, 0, fm->mf, none, fm->mgf, none, fm->mfam, none);
		if (!person_blocked(&p))
			break;
	}
	family_use(fm, fm->f.e);
	family_use(fm, fm->gf.e);
	family_use(fm, fm->mf.e);
}

/* A relative's name following the family's lines; `maternal` picks the mother's side
 * for grandparents, aunts, uncles and cousins. The random parts are drawn again until
 * the name is not a well-known person's. */
static void
relative_person(struct gen *g, struct family *fm, enum rel r, int maternal,
    int female, struct person *p)
{
	const struct nation *nat = fm->nat;
	const struct pool *pl = nat->pool;
	const struct namelist *gl = female ? &pl->female : &pl->male;
	struct tok none = { NULL, 0 }, given, elder1, elder2, sur1, sur2;
	int tries;

	for (tries = 0; tries < 64; tries++) {
		/* drawn one by one: the order of argument evaluation is unspecified */
		given = tok_pick(g, gl, fm->habit);
		elder1 = tok_pick_elder(g, pl, fm->habit);
		elder2 = tok_pick_elder(g, pl, fm->habit);
		sur1 = surname_pick(g, fm);
		sur2 = surname_pick(g, fm);
		/* one given name per person in a family, so no two relatives are namesakes */
		if (r != R_FATHER && r != R_GRANDFATHER && family_uses(fm, given.e))
			continue;
		switch (r) {
		case R_FATHER:
			person_make(p, nat, 0, fm->f, none, fm->gf, fm->ggf, fm->fam, fm->fam2);
			break;
		case R_MOTHER:
			person_make(p, nat, 1, given, none, fm->mf, fm->mgf, fm->mfam,
			    fm->mfam2);
			break;
		case R_SISTER:
		case R_BROTHER:
			person_make(p, nat, female, given, none, fm->f, fm->gf, fm->fam,
			    fm->mfam);
			break;
		case R_AUNT:
		case R_UNCLE:
			if (maternal)
				person_make(p, nat, female, given, none, fm->mf, fm->mgf,
				    fm->mfam, fm->mfam2);
			else
				person_make(p, nat, female, given, none, fm->gf, fm->ggf,
				    fm->fam, fm->fam2);
			break;
		case R_GRANDFATHER:
			if (maternal)
				person_make(p, nat, 0, fm->mf, none, fm->mgf, elder1, fm->mfam,
				    sur1);
			else
				person_make(p, nat, 0, fm->gf, none, fm->ggf, elder1, fm->fam,
				    sur1);
			break;
		case R_GRANDMOTHER:
			if (nat->style == ST_HISPANIC)
				sur1 = maternal ? fm->mfam2 : fm->fam2;
			person_make(p, nat, 1, given, none, elder1, elder2, sur1, sur2);
			break;
		case R_COUSIN:
		default:
			if (maternal)
				person_make(p, nat, female, given, none, elder1, fm->mf,
				    fm->mfam, sur1);
			else
				person_make(p, nat, female, given, none, elder1, fm->gf,
				    fm->fam, sur1);
			break;
		}
		if (!person_blocked(p))
			break;
	}
	family_use(fm, p->t[0].e);
}

/* The child's own name, never the father's given name. */
static void
child_person(struct gen *g, struct family *fm, int female, struct person *p)
{
	const struct nation *nat = fm->nat;
	const struct namelist *gl = female ? &nat->pool->female : &nat->pool->male;
	struct tok given, given2 = { NULL, 0 };
	int tries;

	for (tries = 0; tries < 64; tries++) {
		given = tok_pick(g, gl, fm->habit);
		given2.e = NULL;
		if (nat->given2_pct > 0 && chance(g, nat->given2_pct))
			given2 = tok_pick(g, gl, fm->habit);
		if (family_uses(fm, given.e))
			continue;
		person_make(p, nat, female, given, given2, fm->f, fm->gf, fm->fam, fm->mfam);
		if (!person_blocked(p))
			break;
	}
	family_use(fm, p->t[0].e);
}

/* ---- locations ---------------------------------------------------------------------- */

/* P-codes begin with the country's alpha-2 code. */
static int
code_in(const char *code, const char *cc)
{
	return code[0] != '\0' && code[0] == cc[0] && code[1] == cc[1];
}

static int
country_given(const char *const *locs, size_t n, const char *cc)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (code_in(locs[i], cc))
			return 1;
	return 0;
}

/* A level-1/2 code of country `cc` from `locs`, else the country's own code, else NULL. */
static const char *
loc_in_country(struct gen *g, const char *const *locs, size_t n, const char *cc)
{
	const char *country = NULL;
	uint32_t admin = 0, k;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!code_in(locs[i], cc))
			continue;
		if (locs[i][2] != '\0')
			admin++;
		else
			country = locs[i];
	}
	if (admin == 0)
		return country;
	k = gen_uniform(g, admin);
	for (i = 0; i < n; i++)
		if (code_in(locs[i], cc) && locs[i][2] != '\0' && k-- == 0)
			return locs[i];
	return country;
}

/* Where a child of `nat` is now: a country on its route that `locs` has, else any
 * level-1/2 code, else any code. */
static const char *
loc_on_route(struct gen *g, const struct nation *nat, const char *const *locs, size_t n)
{
	unsigned w[8], total = 0;
	uint32_t admin = 0, k;
	size_t i;

	for (i = 0; i < 8; i++) {
		w[i] = 0;
		if (nat->dest[i].cc != NULL && country_given(locs, n, nat->dest[i].cc))
			w[i] = nat->dest[i].weight;
		total += w[i];
	}
	if (total > 0)
		return loc_in_country(g, locs, n, nat->dest[pick_weighted(g, w, 8)].cc);
	for (i = 0; i < n; i++)
		if (strlen(locs[i]) > 2)
			admin++;
	if (admin == 0)
		return locs[gen_uniform(g, (uint32_t)n)];
	k = gen_uniform(g, admin);
	for (i = 0; i < n; i++)
		if (strlen(locs[i]) > 2 && k-- == 0)
			return locs[i];
	return locs[0];
}

/* ---- the case ------------------------------------------------------------------------- */

enum uasc { UASC_UNACCOMPANIED, UASC_SEPARATED, UASC_ACCOMPANIED, UASC__MAX };

static const char *const uasc_ids[UASC__MAX] = {
	"unaccompanied", "separated", "accompanied"
};

enum risk { RISK_HIGH, RISK_MEDIUM, RISK_LOW, RISK__MAX };

static const char *const risk_ids[RISK__MAX] = { "high", "medium", "low" };

enum concern {
	PC_UNACCOMPANIED, PC_SEPARATED, PC_TRAFFICKED, PC_SEXUALLY_EXPLOITED, PC_ABUSED,
	PC_CHILD_LABOUR, PC_DISABLED, PC_HEALTH, PC_CAAFAG, PC_STATELESS, PC_GBV,
	PC_PREGNANT, PC_CHILD_HEADED, PC_DETAINED, PC_MISSING_DOCUMENTS, PC_OTHER, PC__MAX
};

static const char *const concern_ids[PC__MAX] = {
	[PC_UNACCOMPANIED] = "unaccompanied",
	[PC_SEPARATED] = "separated",
	[PC_TRAFFICKED] = "trafficked",
	[PC_SEXUALLY_EXPLOITED] = "sexually_exploited",
	[PC_ABUSED] = "physically_or_mentally_abused",
	[PC_CHILD_LABOUR] = "child_labour",
	[PC_DISABLED] = "disabled",
	[PC_HEALTH] = "serious_health_condition",
	[PC_CAAFAG] = "caafag",
	[PC_STATELESS] = "stateless",
	[PC_GBV] = "survivor_of_gbv",
	[PC_PREGNANT] = "pregnant_or_lactating",
	[PC_CHILD_HEADED] = "child_headed_household",
	[PC_DETAINED] = "detained",
	[PC_MISSING_DOCUMENTS] = "missing_documents",
	[PC_OTHER] = "other",
};

/* Displacement status by profile, when the child is outside its country. */
enum displacement { DS_MIGRANT, DS_ASYLUM, DS_REFUGEE, DS_STATELESS, DS_OTHER, DS__MAX };

static const char *const displacement_ids[DS__MAX] = {
	"migrant", "asylum_seeker", "refugee", "stateless", "other"
};

static const unsigned displacement_w[PR__MAX][DS__MAX] = {
	[PR_REFUGEE] = { 12, 38, 46, 2, 2 },
	[PR_MIXED] = { 45, 32, 20, 1, 2 },
	[PR_MIGRANT] = { 68, 26, 3, 1, 2 },
};

/* Ages 2..17, most of them adolescents as among children on the move. */
static const unsigned age_w[16] = { 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 9, 12, 15, 17, 17 };

struct kid {
	const struct nation	*nat;
	int			 female, age;
	enum uasc		 uasc;
	enum risk		 risk;
	const char		*loc;		/* location_current */
	int			 displaced_stateless;
};

static int
cc_among(const char *cc, const char *list)
{
	for (; list[0] != '\0' && list[1] != '\0'; list += 2)
		if (cc[0] == list[0] && cc[1] == list[1])
			return 1;
	return 0;
}

static void
concern_weights(const struct kid *k, unsigned w[PC__MAX])
{
	const char *cc = k->nat->cc, *here = k->loc;

	memset(w, 0, sizeof(unsigned) * PC__MAX);
	if (k->age >= 6)
		w[PC_TRAFFICKED] = k->risk == RISK_HIGH ? 24 : 12;
	if (k->age >= 11)
		w[PC_SEXUALLY_EXPLOITED] = k->female ? 7 : 2;
	w[PC_ABUSED] = 14;
	if (k->age >= 8)
		w[PC_CHILD_LABOUR] = 11;
	w[PC_DISABLED] = 3;
	w[PC_HEALTH] = 6;
	if (k->age >= 12 && cc_among(cc, "SDSOTDMLNEAFER"))
		w[PC_CAAFAG] = k->female ? 1 : 5;
	w[PC_STATELESS] = k->displaced_stateless ? 0 : 1;
	if (k->age >= 10)
		w[PC_GBV] = k->female ? 8 : 2;
	if (k->female && k->age >= 14)
		w[PC_PREGNANT] = 5;
	if (k->age >= 12 && k->uasc != UASC_ACCOMPANIED)
		w[PC_CHILD_HEADED] = 3;
	if (code_in(here, "LY"))
		w[PC_DETAINED] = 14;
	else if (cc_among(here, "MXTNDZGRTR"))
		w[PC_DETAINED] = 4;
	else
		w[PC_DETAINED] = 2;
	w[PC_MISSING_DOCUMENTS] = 16;
	w[PC_OTHER] = 2;
}

/* The protection concerns, 1 to 4, as a JSON array of option ids. */
static json_t *
concerns_json(struct gen *g, const struct kid *k)
{
	static const unsigned lo[RISK__MAX] = { 2, 1, 1 }, span[RISK__MAX] = { 3, 3, 2 };
	unsigned w[PC__MAX];
	int have[PC__MAX] = { 0 };
	json_t *a;
	size_t i, n = 0, want;

	want = lo[k->risk] + gen_uniform(g, span[k->risk]);
	if (k->uasc == UASC_UNACCOMPANIED)
		have[PC_UNACCOMPANIED] = 1, n++;
	if (k->uasc == UASC_SEPARATED)
		have[PC_SEPARATED] = 1, n++;
	if (k->displaced_stateless)
		have[PC_STATELESS] = 1, n++;
	concern_weights(k, w);
	while (n < want) {
		i = pick_weighted(g, w, PC__MAX);
		w[i] = 0;
		if (!have[i])
			have[i] = 1, n++;
	}
	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < PC__MAX; i++)
		if (have[i] && json_array_append_new(a, json_string(concern_ids[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static void
put(int *bad, json_t *o, const char *key, json_t *v)
{
	if (json_object_set_new(o, key, v) != 0)
		*bad = 1;
}

static void
put_str(int *bad, json_t *o, const char *key, const char *s)
{
	if (s == NULL)
		*bad = 1;
	else
		put(bad, o, key, json_string(s));
}

/* "+000 555 0123": a number no telephone network gives out. */
static void
put_telephone(struct gen *g, int *bad, json_t *o, const char *key)
{
	char tel[] = "+000 555 0000";
	uint32_t n = gen_uniform(g, 10000);

	tel[9] = (char)('0' + n / 1000);
	tel[10] = (char)('0' + n / 100 % 10);
	tel[11] = (char)('0' + n / 10 % 10);
	tel[12] = (char)('0' + n % 10);
	put_str(bad, o, key, tel);
}

struct member {
	enum rel	r;
	int		maternal, female, caregiver;
};

static int
relative_age(struct gen *g, const struct member *m, int child_age)
{
	int a;

	switch (m->r) {
	case R_MOTHER:
		a = child_age + 17 + (int)gen_uniform(g, 22);
		break;
	case R_FATHER:
		a = child_age + 20 + (int)gen_uniform(g, 25);
		break;
	case R_GRANDMOTHER:
	case R_GRANDFATHER:
		a = child_age + 38 + (int)gen_uniform(g, 30);
		break;
	case R_AUNT:
	case R_UNCLE:
		a = child_age + 12 + (int)gen_uniform(g, 30);
		break;
	case R_SISTER:
	case R_BROTHER:
	case R_COUSIN:
	default:
		if (m->caregiver)
			a = 18 + (int)gen_uniform(g, 10);
		else
			a = child_age - 8 + (int)gen_uniform(g, 17);
		break;
	}
	if (a < 1)
		a = 1;
	return a > 95 ? 95 : a;
}

/* Who is in family_details_section: the caregiver first, then others, 1 to 4. */
static size_t
members_pick(struct gen *g, const struct kid *k, struct member out[4])
{
	static const unsigned care_w[] = { 28, 25, 17, 14, 10, 6 };
	static const enum rel care_r[] = { R_UNCLE, R_AUNT, R_GRANDMOTHER, R_BROTHER, R_SISTER,
	    R_COUSIN };
	static const unsigned other_w[R__MAX] = {
		[R_MOTHER] = 25, [R_FATHER] = 25, [R_GRANDMOTHER] = 3, [R_GRANDFATHER] = 2,
		[R_SISTER] = 16, [R_BROTHER] = 16, [R_AUNT] = 5, [R_UNCLE] = 7, [R_COUSIN] = 3,
	};
	static const int max_of[R__MAX] = {
		[R_MOTHER] = 1, [R_FATHER] = 1, [R_GRANDMOTHER] = 1, [R_GRANDFATHER] = 1,
		[R_SISTER] = 3, [R_BROTHER] = 3, [R_AUNT] = 2, [R_UNCLE] = 2, [R_COUSIN] = 2,
	};
	int count[R__MAX] = { 0 };
	size_t n = 0, want = 1 + gen_uniform(g, 4), tries;
	struct member m;

	if (k->uasc == UASC_ACCOMPANIED) {
		m.r = chance(g, 60) ? R_MOTHER : R_FATHER;
		m.caregiver = 1;
	} else if (k->uasc == UASC_SEPARATED) {
		m.r = care_r[pick_weighted(g, care_w, sizeof(care_w) / sizeof(care_w[0]))];
		m.caregiver = 1;
	} else {
		m.caregiver = 0;
		m.r = R__MAX;
	}
	if (m.caregiver) {
		m.maternal = chance(g, 45);
		m.female = rel_female[m.r] >= 0 ? rel_female[m.r] : chance(g, 50);
		out[n++] = m;
		count[m.r]++;
	}
	for (tries = 0; n < want && tries < 32; tries++) {
		m.r = (enum rel)pick_weighted(g, other_w, R__MAX);
		m.maternal = chance(g, 45);
		m.female = rel_female[m.r] >= 0 ? rel_female[m.r] : chance(g, 50);
		m.caregiver = 0;
		if (count[m.r] >= max_of[m.r])
			continue;
		out[n++] = m;
		count[m.r]++;
	}
	return n;
}

static const char *
alive_pick(struct gen *g, const struct member *m, enum uasc u)
{
	static const char *const ids[3] = { "alive", "unknown", "dead" };
	static const unsigned parent_w[3] = { 50, 35, 15 }, other_w[3] = { 70, 25, 5 };
	int parent = m->r == R_MOTHER || m->r == R_FATHER;

	if (m->caregiver)
		return ids[0];
	return ids[pick_weighted(g, parent && u == UASC_UNACCOMPANIED ? parent_w : other_w,
	    3)];
}

/* family_details_section; sets name_caregiver and relationship_caregiver on `c`. */
static json_t *
family_json(struct gen *g, const struct kid *k, struct family *fm,
    const char *const *locs, size_t nlocs, json_t *c, struct buf *b, int *bad)
{
	struct member ms[4];
	struct person p;
	json_t *a, *o;
	const char *name, *alive, *where;
	size_t i, n;

	if ((a = json_array()) == NULL)
		return NULL;
	n = members_pick(g, k, ms);
	for (i = 0; i < n; i++) {
		relative_person(g, fm, ms[i].r, ms[i].maternal, ms[i].female, &p);
		if ((o = json_object()) == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
		name = person_render(b, &p, 0, p.n, 0, NULL);
		put_str(bad, o, "relation_name", name);
		if (ms[i].caregiver && name != NULL) {
			put_str(bad, c, "name_caregiver", name);
			put_str(bad, c, "relationship_caregiver", rel_ids[ms[i].r]);
		}
		put_str(bad, o, "relation", rel_ids[ms[i].r]);
		if (p.t[0].e->nick != NULL && chance(g, 10))
			put_str(bad, o, "relation_nickname", p.t[0].e->nick);
		put(bad, o, "relation_is_caregiver", json_boolean(ms[i].caregiver));
		alive = alive_pick(g, &ms[i], k->uasc);
		put_str(bad, o, "relation_is_alive", alive);
		if (chance(g, 85))
			put(bad, o, "relation_age", json_integer(relative_age(g, &ms[i], k->age)));
		put_str(bad, o, "relation_sex", ms[i].female ? "female" : "male");
		put_str(bad, o, "relation_nationality", k->nat->cc);
		if (strcmp(alive, "alive") != 0)
			continue;
		where = NULL;
		if (ms[i].caregiver)
			where = k->loc;
		else if (chance(g, 45))
			where = chance(g, 60) ? loc_in_country(g, locs, nlocs, k->nat->cc) :
			    loc_on_route(g, k->nat, locs, nlocs);
		if (where != NULL)
			put_str(bad, o, "relation_location_current", where);
		if (chance(g, ms[i].caregiver ? 40 : 20))
			put_telephone(g, bad, o, "relation_telephone");
	}
	return a;
}

/* Another Latin spelling of the whole name, or NULL when there is none. */
static const char *
name_other(struct gen *g, const struct person *p, struct buf *b)
{
	unsigned alt[PERSON_TOKS], n;
	size_t i;
	int changed = 0;

	for (i = 0; i < p->n; i++) {
		alt[i] = p->t[i].v;
		n = spellings(p->t[i].e);
		if (n > 1 && chance(g, 70)) {
			alt[i] = (p->t[i].v + 1 + gen_uniform(g, n - 1)) % n;
			changed = 1;
		}
	}
	return changed ? person_render(b, p, 0, p->n, 0, alt) : NULL;
}

static int
today_days(const char *today, int *y, int *m, int *d, int64_t *days)
{
	if (today == NULL || date_parse(today, y, m, d) != 0)
		return -1;
	*days = date_days(*y, *m, *d);
	return 0;
}

json_t *
gen_case(struct gen *g, const char *today, const char *const *locations, size_t nlocations)
{
	const struct nation *nat;
	const struct lang *lang;
	const char *s, *here;
	struct family fm;
	struct person p;
	struct kid k;
	struct buf b = BUF_INIT;
	char date[DATE_SIZE];
	unsigned lw[4], dw[3];
	json_t *c, *a;
	int64_t tdays;
	int ty, tm, td, bad = 0, estimated;
	size_t i, end;

	if (nlocations == 0 || locations == NULL ||
	    today_days(today, &ty, &tm, &td, &tdays) != 0)
		return NULL;
	if ((c = json_object()) == NULL)
		return NULL;

	memset(&k, 0, sizeof(k));
	k.nat = nat = nation_pick(g, 0);
	for (i = 0; i < 4; i++)
		lw[i] = nat->lang[i].code != NULL ? nat->lang[i].weight : 0;
	lang = &nat->lang[pick_weighted(g, lw, 4)];
	k.female = chance(g, 45);
	k.age = 2 + (int)pick_weighted(g, age_w, 16);
	estimated = chance(g, 60);
	family_draw(g, nat, lang->family, &fm);
	child_person(g, &fm, k.female, &p);

	date_from_days(tdays - gen_uniform(g, 400), date);
	put_str(&bad, c, "registration_date", date);
	put_str(&bad, c, "name_first", person_render(&b, &p, 0, p.nfirst, 0, NULL));
	if (p.nmiddle > 0)
		put_str(&bad, c, "name_middle",
		    person_render(&b, &p, p.nfirst, p.nfirst + p.nmiddle, 0, NULL));
	end = p.nfirst + p.nmiddle;
	if (p.n > end)
		put_str(&bad, c, "name_last", person_render(&b, &p, end, p.n, 0, NULL));
	if (p.t[0].e->nick != NULL && chance(g, 35))
		put_str(&bad, c, "name_nickname", p.t[0].e->nick);
	if (chance(g, 10) && (s = name_other(g, &p, &b)) != NULL)
		put_str(&bad, c, "name_other", s);
	if (nat->script_pct > 0 && chance(g, nat->script_pct) &&
	    (s = person_render(&b, &p, 0, p.n, 1, NULL)) != NULL)
		put_str(&bad, c, "name_original_script", s);
	put_str(&bad, c, "sex", k.female ? "female" : "male");
	put(&bad, c, "age", json_integer(k.age));
	put(&bad, c, "estimated", json_boolean(estimated));
	if (!estimated) {
		date_of_birth(g, ty, tm, td, k.age, date);
		put_str(&bad, c, "date_of_birth", date);
	}

	if ((a = json_array()) == NULL || json_array_append_new(a, json_string(nat->cc)) != 0)
		bad = 1;
	put(&bad, c, "nationality", a);
	if ((a = json_array()) == NULL || json_array_append_new(a, json_string(lang->code)))
		bad = 1;
	if (nat->extra_lang != NULL && strcmp(nat->extra_lang, lang->code) != 0 &&
	    chance(g, nat->extra_pct) &&
	    json_array_append_new(a, json_string(nat->extra_lang)) != 0)
		bad = 1;
	put(&bad, c, "language", a);

	k.loc = here = loc_on_route(g, nat, locations, nlocations);
	put_str(&bad, c, "location_current", here);
	if (code_in(here, nat->cc)) {
		if (cc_among(nat->cc, "HNGTSVETNEMLAF"))
			s = chance(g, 60) ? "returnee" : "idp";
		else
			s = chance(g, 85) ? "idp" : "other";
	} else {
		s = displacement_ids[pick_weighted(g, displacement_w[nat->profile], DS__MAX)];
		k.displaced_stateless = strcmp(s, "stateless") == 0;
	}
	put_str(&bad, c, "displacement_status", s);

	if (k.age < 6) {
		dw[0] = 30, dw[1] = 35, dw[2] = 35;
	} else {
		dw[0] = 70, dw[1] = 20, dw[2] = 10;
	}
	k.uasc = (enum uasc)pick_weighted(g, dw, 3);
	put_str(&bad, c, "unaccompanied_separated_status", uasc_ids[k.uasc]);
	put(&bad, c, "family_details_section",
	    family_json(g, &k, &fm, locations, nlocations, c, &b, &bad));

	dw[0] = 25, dw[1] = 45, dw[2] = 30;
	k.risk = (enum risk)pick_weighted(g, dw, 3);
	put(&bad, c, "protection_concerns", concerns_json(g, &k));
	put(&bad, c, "urgent_protection_concern",
	    json_boolean(chance(g, k.risk == RISK_HIGH ? 70 : k.risk == RISK_MEDIUM ? 15 : 3)));
	put_str(&bad, c, "risk_level", risk_ids[k.risk]);

	put(&bad, c, "consent_for_services", json_boolean(chance(g, 95)));
	put(&bad, c, "consent_for_tracing",
	    json_boolean(chance(g, k.uasc == UASC_ACCOMPANIED ? 40 : 80)));
	put(&bad, c, "disclosure_other_orgs", json_boolean(chance(g, 70)));
	put(&bad, c, "consent_reporting", json_boolean(chance(g, 85)));
	if (k.age >= 15)
		s = "child";
	else if (k.uasc != UASC_UNACCOMPANIED)
		s = chance(g, 90) ? "caregiver" : "child";
	else
		s = k.age < 10 && chance(g, 50) ? "other" : "child";
	put_str(&bad, c, "consent_source", s);

	buf_free(&b);
	if (bad) {
		json_decref(c);
		return NULL;
	}
	return c;
}

json_t *
gen_staff_name(struct gen *g)
{
	const struct nation *nat = nation_pick(g, 1);
	int female = chance(g, 50);
	struct family fm;
	struct person p;
	struct buf b = BUF_INIT;
	const char *name;
	json_t *o = NULL, *s;

	family_draw(g, nat, NULL, &fm);
	child_person(g, &fm, female, &p);
	if ((name = person_render(&b, &p, 0, p.n, 0, NULL)) != NULL &&
	    (o = json_object()) != NULL) {
		s = json_string(name);
		if (json_object_set_new(o, "name", s) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
	buf_free(&b);
	return o;
}

/* ---- variants of a case ------------------------------------------------------------- */

static const struct namelist *const all_lists[] = {
	&pool_horn.male, &pool_horn.female, &pool_horn.elder,
	&pool_oromo.male, &pool_oromo.female,
	&pool_somali.male, &pool_somali.female,
	&pool_arabic.male, &pool_arabic.female, &pool_arabic.elder,
	&fam_libya, &fam_syria, &list_particles,
	&pool_wa.male, &pool_wa.female, &fam_wa,
	&pool_cm.male, &pool_cm.female, &fam_cm,
	&pool_latam.male, &pool_latam.female, &fam_latam, &fam_mam, &fam_kiche, &fam_qeqchi,
	&pool_haiti.male, &pool_haiti.female, &fam_haiti,
	&pool_afghan.male, &pool_afghan.female, &fam_afghan,
	&pool_italian.male, &pool_italian.female, &fam_italian,
};

#define ALL_LISTS	(sizeof(all_lists) / sizeof(all_lists[0]))
#define VTOKS		8

/* A word or a known name (which may hold spaces) of a name field. */
struct vtok {
	const struct name	*e;	/* NULL: a word not in the tables */
	unsigned		 v;
	const char		*raw;
	size_t			 len;
};

/* The longest name of `l` at `s` that ends at a space or the end. */
static void
match_list(const struct namelist *l, const char *s, struct vtok *best)
{
	size_t i, len;
	unsigned v;

	for (i = 0; i < l->n; i++)
		for (v = 0; v < NV && l->v[i].latin[v] != NULL; v++) {
			len = strlen(l->v[i].latin[v]);
			if (len > best->len && strncmp(s, l->v[i].latin[v], len) == 0 &&
			    (s[len] == ' ' || s[len] == '\0')) {
				best->e = &l->v[i];
				best->v = v;
				best->len = len;
			}
		}
}

/* Split `s` into names, looking first in the tables of nationality `cc`. */
static size_t
vtoks_parse(const char *s, const char *cc, struct vtok *out, size_t max)
{
	const struct nation *nat;
	struct vtok t;
	size_t n = 0, i, j;

	while (*s != '\0' && n < max) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		memset(&t, 0, sizeof(t));
		t.raw = s;
		for (i = 0; cc != NULL && i < NATIONS; i++) {
			nat = &nations[i];
			if (strcmp(nat->cc, cc) != 0)
				continue;
			match_list(&nat->pool->male, s, &t);
			match_list(&nat->pool->female, s, &t);
			match_list(&nat->pool->elder, s, &t);
			if (nat->family != NULL)
				match_list(nat->family, s, &t);
			for (j = 0; j < 4; j++)
				if (nat->lang[j].family != NULL)
					match_list(nat->lang[j].family, s, &t);
			match_list(&list_particles, s, &t);
		}
		if (t.e == NULL)
			for (i = 0; i < ALL_LISTS; i++)
				match_list(all_lists[i], s, &t);
		if (t.e == NULL)
			while (s[t.len] != '\0' && s[t.len] != ' ')
				t.len++;
		s += t.len;
		out[n++] = t;
	}
	return n;
}

/* Another spelling of each known name, with probability pct. */
static void
vtoks_respell(struct gen *g, struct vtok *t, size_t n, unsigned pct)
{
	unsigned k;
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].e == NULL || (k = spellings(t[i].e)) < 2 || !chance(g, pct))
			continue;
		t[i].v = (t[i].v + 1 + gen_uniform(g, k - 1)) % k;
	}
}

/* Append the names to `b`, separated by spaces; in the original script when `script`
 * (-1 when a name has none). */
static int
vtoks_render(struct buf *b, const struct vtok *t, size_t n, int script)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (b->len > 0 && buf_putc(b, ' ') != 0)
			return -1;
		if (script) {
			if (t[i].e == NULL || t[i].e->script == NULL ||
			    buf_puts(b, t[i].e->script) != 0)
				return -1;
		} else if (t[i].e != NULL) {
			if (buf_puts(b, t[i].e->latin[t[i].v]) != 0)
				return -1;
		} else if (buf_append(b, t[i].raw, t[i].len) != 0)
			return -1;
	}
	return 0;
}

static const struct nation *
nation_of(const char *cc)
{
	size_t i;

	for (i = 0; cc != NULL && i < NATIONS; i++)
		if (strcmp(nations[i].cc, cc) == 0)
			return &nations[i];
	return NULL;
}

/* Set `key` to the rendered names, or delete it when there are none. */
static void
put_vtoks(int *bad, json_t *o, const char *key, const struct vtok *t, size_t n,
    struct buf *b)
{
	buf_reset(b);
	if (n == 0) {
		json_object_del(o, key);
		return;
	}
	if (vtoks_render(b, t, n, 0) != 0)
		*bad = 1;
	else
		put_str(bad, o, key, b->p);
}

static void
variant_names(struct gen *g, json_t *v, const struct nation *nat, struct buf *b, int *bad)
{
	static const char *const keys[3] = { "name_first", "name_middle", "name_last" };
	struct vtok t[3][VTOKS];
	size_t n[3], i;
	int missing = 0;
	const char *s;
	int has_script;

	for (i = 0; i < 3; i++) {
		s = json_string_value(json_object_get(v, keys[i]));
		n[i] = s != NULL ? vtoks_parse(s, nat != NULL ? nat->cc : NULL, t[i], VTOKS) : 0;
	}
	if (nat != NULL && nat->style == ST_THREE && n[1] > 0 && n[2] > 0 && chance(g, 15))
		n[2] = 0;		/* the grandfather's name left out */
	if (nat != NULL && nat->style == ST_HISPANIC && n[2] > 1 && chance(g, 25))
		n[2] = 1;		/* the mother's surname left out */
	if (nat != NULL && (nat->style == ST_HISPANIC || nat->style == ST_FAMILY) &&
	    n[1] > 0 && chance(g, 15))
		n[1] = 0;		/* the second given name left out */
	for (i = 0; i < 3; i++) {
		vtoks_respell(g, t[i], n[i], 45);
		if (n[i] > 0 || i > 0)
			put_vtoks(bad, v, keys[i], t[i], n[i], b);
	}

	has_script = json_object_get(v, "name_original_script") != NULL;
	buf_reset(b);
	for (i = 0; i < 3 && !missing; i++)
		if (vtoks_render(b, t[i], n[i], 1) != 0)
			missing = 1;	/* a name without its original script */
	if (has_script && chance(g, 35))
		json_object_del(v, "name_original_script");
	else if (!missing && b->len > 0 && (has_script || chance(g, 40)))
		put_str(bad, v, "name_original_script", b->p);
	else if (has_script && missing)
		json_object_del(v, "name_original_script");
}

static void
variant_family(struct gen *g, json_t *v, const struct nation *nat, struct buf *b, int *bad)
{
	json_t *fam = json_object_get(v, "family_details_section"), *o;
	struct vtok t[VTOKS];
	const char *s;
	size_t i, n;

	if (!json_is_array(fam))
		return;
	if (json_array_size(fam) >= 2 && chance(g, 25)) {
		i = gen_uniform(g, (uint32_t)json_array_size(fam));
		if (!json_is_true(json_object_get(json_array_get(fam, i), "relation_is_caregiver")))
			json_array_remove(fam, i);
	}
	for (i = 0; i < json_array_size(fam); i++) {
		o = json_array_get(fam, i);
		if ((s = json_string_value(json_object_get(o, "relation_name"))) == NULL ||
		    !chance(g, 30))
			continue;
		n = vtoks_parse(s, nat != NULL ? nat->cc : NULL, t, VTOKS);
		vtoks_respell(g, t, n, 50);
		put_vtoks(bad, o, "relation_name", t, n, b);
	}
}

json_t *
gen_case_variant(struct gen *g, const json_t *c, const char *today)
{
	const struct nation *nat;
	struct buf b = BUF_INIT;
	char date[DATE_SIZE];
	const char *s;
	json_t *v, *age;
	int64_t tdays, rdays;
	int ty, tm, td, ry, rm, rd, bad = 0, a;

	if (today_days(today, &ty, &tm, &td, &tdays) != 0 || !json_is_object(c))
		return NULL;
	if ((v = json_deep_copy(c)) == NULL)
		return NULL;
	nat = nation_of(json_string_value(json_array_get(json_object_get(v, "nationality"),
	    0)));

	variant_names(g, v, nat, &b, &bad);
	if (chance(g, 50))
		json_object_del(v, "name_other");
	if (chance(g, 40))
		json_object_del(v, "name_nickname");

	age = json_object_get(v, "age");
	a = json_is_integer(age) ? (int)json_integer_value(age) : 10;
	s = json_string_value(json_object_get(v, "date_of_birth"));
	if (s != NULL && chance(g, 35)) {
		json_object_del(v, "date_of_birth");
		put(&bad, v, "estimated", json_true());
		a += (int)gen_uniform(g, 3) - 1;
	} else if (s != NULL) {
		if (date_age_years(s, today) >= 0)
			a = date_age_years(s, today);
	} else {
		a += (int)gen_uniform(g, 5) - 2;
	}
	put(&bad, v, "age", json_integer(a < 0 ? 0 : a > 30 ? 30 : a));

	s = json_string_value(json_object_get(v, "registration_date"));
	if (s != NULL && date_parse(s, &ry, &rm, &rd) == 0 &&
	    (rdays = date_days(ry, rm, rd)) <= tdays)
		date_from_days(rdays + gen_uniform(g, (uint32_t)(tdays - rdays + 1)), date);
	else
		date_from_days(tdays, date);
	put_str(&bad, v, "registration_date", date);

	variant_family(g, v, nat, &b, &bad);
	buf_free(&b);
	if (bad) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* ---- victims of trafficking ------------------------------------------------------------ */

/* A weighted choice among ids. */
struct wid {
	const char	*id;
	unsigned	 w;
};

#define WLIST(a)	(a), (sizeof(a) / sizeof((a)[0]))

static const char *
wid_pick(struct gen *g, const struct wid *l, size_t n)
{
	unsigned w[32];
	size_t i;

	for (i = 0; i < n && i < 32; i++)
		w[i] = l[i].w;
	return l[pick_weighted(g, w, i)].id;
}

/* Up to `max` distinct ids of `l` (at least `min`), in the order of the list. */
static json_t *
wid_some(struct gen *g, const struct wid *l, size_t n, unsigned min, unsigned max,
    int *bad)
{
	unsigned w[32], want, got = 0;
	int taken[32] = { 0 };
	json_t *a;
	size_t i;

	if ((a = json_array()) == NULL) {
		*bad = 1;
		return NULL;
	}
	if (n > 32)
		n = 32;
	want = min + gen_uniform(g, max - min + 1);
	for (; got < want && got < n; got++) {
		for (i = 0; i < n; i++)
			w[i] = taken[i] ? 0 : l[i].w;
		taken[pick_weighted(g, w, n)] = 1;
	}
	for (i = 0; i < n; i++)
		if (taken[i] && json_array_append_new(a, json_string(l[i].id)) != 0)
			*bad = 1;
	return a;
}

/* The routes of the demo programmes: who is trafficked where, as CTDC's public data
 * roughly has it for these regions (fictional proportions). */
static const struct vot_route {
	struct wid	 citizenship[8];
	struct wid	 exploitation[8];
	const char	*transit;		/* alpha-2 codes, space-separated */
	const char	*identified;		/* countries where the programme works */
} vot_routes[GEN_ROUTE__MAX] = {
	[GEN_ROUTE_HORN] = {
		{ { "ER", 35 }, { "ET", 35 }, { "SO", 15 }, { "SD", 15 } },
		{ { "LY", 40 }, { "SD", 15 }, { "SA", 15 }, { "EG", 10 }, { "YE", 10 },
		  { "ET", 10 } },
		"SD LY ET EG YE DJ", "ET SD DJ KE YE EG SO" },
	[GEN_ROUTE_SAHEL] = {
		{ { "NG", 30 }, { "NE", 15 }, { "ML", 15 }, { "GN", 10 }, { "CI", 10 },
		  { "SN", 10 }, { "CM", 10 } },
		{ { "LY", 40 }, { "DZ", 15 }, { "IT", 15 }, { "NE", 10 }, { "ML", 10 },
		  { "MA", 10 } },
		"NE ML DZ LY BF", "NE ML LY TN DZ MA IT ES" },
	[GEN_ROUTE_MESOAMERICA] = {
		{ { "HN", 30 }, { "GT", 25 }, { "VE", 20 }, { "SV", 15 }, { "NI", 10 } },
		{ { "MX", 50 }, { "GT", 20 }, { "US", 20 }, { "PA", 10 } },
		"GT MX PA CR", "MX GT PA CR" },
};

static size_t
wid_count(const struct wid *l, size_t max)
{
	size_t n = 0;

	while (n < max && l[n].id != NULL)
		n++;
	return n;
}

/* A place of identification in one of the route's countries, else any code. */
static const char *
vot_location(struct gen *g, const struct vot_route *r, const char *const *locs, size_t n)
{
	char cc[3];
	const char *s = r->identified;
	uint32_t k, countries = (uint32_t)(strlen(s) + 1) / 3;

	k = gen_uniform(g, countries);
	memcpy(cc, s + 3 * k, 2);
	cc[2] = '\0';
	if (country_given(locs, n, cc))
		return loc_in_country(g, locs, n, cc);
	return locs[gen_uniform(g, (uint32_t)n)];
}

static const struct wid vot_exploit_female[] = {
	{ "sexual", 50 }, { "labour", 28 }, { "both", 9 }, { "isForcedMarriage", 7 },
	{ "forcedBegging", 2 }, { "isOtherExploit", 2 }, { "isSlaveryAndPractices", 2 },
};
static const struct wid vot_exploit_male[] = {
	{ "labour", 75 }, { "sexual", 8 }, { "both", 3 }, { "forcedBegging", 5 },
	{ "forcedCriminalActivity", 5 }, { "isOtherExploit", 3 }, { "isForcedMilitary", 1 },
};
static const struct wid vot_sectors_female[] = {
	{ "typeOfLabourDomesticWork", 50 }, { "typeOfLabourAgriculture", 20 },
	{ "typeOfLabourHospitality", 15 }, { "typeOfLabourManufacturing", 8 },
	{ "typeOfLabourPeddling", 4 }, { "typeOfLabourOther", 3 },
};
static const struct wid vot_sectors_male[] = {
	{ "typeOfLabourConstruction", 30 }, { "typeOfLabourAgriculture", 30 },
	{ "typeOfLabourManufacturing", 10 }, { "typeOfLabourMiningOrDrilling", 8 },
	{ "typeOfLabourAquafarming", 5 }, { "typeOfLabourHospitality", 5 },
	{ "typeOfLabourDomesticWork", 5 }, { "typeOfLabourTransportation", 4 },
	{ "typeOfLabourOther", 3 },
};
static const struct wid vot_sex_types[] = {
	{ "typeOfSexProstitution", 80 }, { "typeOfSexPrivateSexualServices", 10 },
	{ "typeOfSexPornography", 5 }, { "typeOfSexRemoteInteractiveServices", 5 },
};
static const struct wid vot_control[] = {
	{ "meansOfControlPsychologicalAbuse", 20 }, { "meansOfControlPhysicalAbuse", 15 },
	{ "meansOfControlRestrictsMovement", 14 }, { "meansOfControlThreats", 12 },
	{ "meansOfControlTakesEarnings", 10 }, { "meansOfControlWithholdsDocuments", 10 },
	{ "meansOfControlFalsePromises", 9 }, { "meansOfControlDebtBondage", 8 },
	{ "meansOfControlExcessiveWorkingHours", 6 },
	{ "meansOfControlWithholdsNecessities", 5 }, { "meansOfControlSexualAbuse", 5 },
	{ "threatensFamily", 4 }, { "meansOfControlPsychoactiveSubstances", 3 },
	{ "meansOfControlRestrictsFinancialAccess", 3 },
	{ "meansOfControlThreatOfLawEnforcement", 3 },
	{ "meansOfControlRestrictsMedicalCare", 2 }, { "meansOfControlUsesChildren", 1 },
	{ "meansOfControlOther", 2 },
};
static const struct wid vot_recruitment[] = {
	{ "smuggler_or_intermediary", 35 }, { "friends_or_social_events", 20 },
	{ "family_or_family_events", 12 }, { "online_social_network", 10 },
	{ "workplace", 8 }, { "abduction", 5 }, { "online_advertisement", 4 },
	{ "place_of_business", 3 }, { "other", 3 },
};
static const struct wid vot_recruiter[] = {
	{ "recruiterRelationFriend", 30 }, { "recruiterRelationOther", 25 },
	{ "recruiterRelationUnknown", 22 }, { "recruiterRelationFamily", 15 },
	{ "recruiterRelationIntimatePartner", 8 },
};
static const struct wid vot_outcome[] = {
	{ "confirmed_victim", 80 }, { "possible_victim", 17 }, { "not_a_victim", 3 },
};
static const struct wid vot_org_type[] = {
	{ "ngo", 30 }, { "international_organisation", 20 }, { "law_enforcement", 15 },
	{ "border_immigration", 15 }, { "social_services", 10 }, { "health", 3 },
	{ "helpline", 3 }, { "self_identified", 2 }, { "community", 2 },
};
static const struct wid vot_migration[] = {
	{ "irregular_migrant", 50 }, { "asylum_seeker", 15 }, { "refugee", 10 },
	{ "regular_migrant", 10 }, { "national", 10 }, { "unknown", 5 },
};
static const struct wid vot_assistance[] = {
	{ "accommodation", 20 }, { "medical", 18 }, { "psychosocial", 18 },
	{ "legal", 10 }, { "interpretation", 6 }, { "documentation", 8 },
	{ "education", 5 }, { "vocational_training", 5 }, { "livelihood", 5 },
	{ "cash_or_material", 8 }, { "family_tracing", 6 }, { "voluntary_return", 6 },
	{ "reintegration", 5 }, { "protection_from_traffickers", 4 },
};
/* Ages of minors 9..17 and of adults 18..57 (CTDC: most victims are young adults). */
static const unsigned vot_minor_w[9] = { 2, 2, 3, 4, 6, 8, 10, 12, 12 };
static const unsigned vot_adult_w[8] = { 30, 25, 18, 12, 7, 4, 3, 1 };	/* 5-year steps */

json_t *
gen_vot(struct gen *g, const char *today, enum gen_route route,
    const char *const *locations, size_t nlocations)
{
	const struct vot_route *r;
	const struct wid *l;
	const char *cit, *expl, *kind, *sex;
	char date[DATE_SIZE], cc[3];
	size_t transit[8];
	json_t *v, *a;
	int64_t tdays, first;
	int ty, tm, td, year, age, female, bad = 0;
	unsigned k;
	size_t n, i;

	if ((unsigned)route >= GEN_ROUTE__MAX || nlocations == 0 || locations == NULL ||
	    today_days(today, &ty, &tm, &td, &tdays) != 0)
		return NULL;
	if ((v = json_object()) == NULL)
		return NULL;
	r = &vot_routes[route];

	n = gen_uniform(g, 100);
	female = n < 68;
	sex = female ? "female" : n < 99 ? "male" : "other";
	if (chance(g, 30))
		age = 9 + (int)pick_weighted(g, vot_minor_w, 9);
	else
		age = 18 + 5 * (int)pick_weighted(g, vot_adult_w, 8) + (int)gen_uniform(g, 5);
	cit = wid_pick(g, r->citizenship, wid_count(r->citizenship, 8));
	expl = wid_pick(g, r->exploitation, wid_count(r->exploitation, 8));

	put_str(&bad, v, "screening_outcome", wid_pick(g, WLIST(vot_outcome)));
	/* registered this year or up to three years back, identified that year */
	n = pick_weighted(g, (const unsigned[]){ 40, 30, 20, 10 }, 4);
	year = ty - (int)n;
	first = date_days(year, 1, 1);
	date_from_days(first + gen_uniform(g, (uint32_t)(n == 0 ? tdays - first + 1 :
	    date_days(year, 12, 31) - first + 1)), date);
	put_str(&bad, v, "identification_date", date);
	put(&bad, v, "year_of_registration", json_integer(year));
	put_str(&bad, v, "identifying_organisation_type", wid_pick(g, WLIST(vot_org_type)));
	put_str(&bad, v, "location_identified", vot_location(g, r, locations, nlocations));

	put_str(&bad, v, "sex", sex);
	put(&bad, v, "age_at_identification", json_integer(age));
	put(&bad, v, "age_estimated", json_boolean(chance(g, 35)));
	put_str(&bad, v, "majority_status_at_exploitation", chance(g, 5) ? "unknown" :
	    age < 18 || (age <= 20 && chance(g, 30)) ? "minor" : "adult");
	put_str(&bad, v, "citizenship", cit);
	put_str(&bad, v, "migration_status", strcmp(cit, expl) == 0 ? "national" :
	    wid_pick(g, WLIST(vot_migration)));

	/* exploitation: the type, then its sectors or forms */
	kind = female || strcmp(sex, "other") == 0 ? wid_pick(g, WLIST(vot_exploit_female)) :
	    wid_pick(g, WLIST(vot_exploit_male));
	if ((a = json_array()) == NULL)
		bad = 1;
	else if (strcmp(kind, "labour") == 0 || strcmp(kind, "sexual") == 0 ||
	    strcmp(kind, "both") == 0) {
		if (strcmp(kind, "sexual") != 0 &&
		    json_array_append_new(a, json_string("isForcedLabour")) != 0)
			bad = 1;
		if (strcmp(kind, "labour") != 0 &&
		    json_array_append_new(a, json_string("isSexualExploit")) != 0)
			bad = 1;
	} else if (json_array_append_new(a, json_string(kind)) != 0)
		bad = 1;
	put(&bad, v, "exploitation_types", a);
	if (strcmp(kind, "labour") == 0 || strcmp(kind, "both") == 0) {
		l = female ? vot_sectors_female : vot_sectors_male;
		n = female ? sizeof(vot_sectors_female) / sizeof(vot_sectors_female[0]) :
		    sizeof(vot_sectors_male) / sizeof(vot_sectors_male[0]);
		put(&bad, v, "labour_sectors", wid_some(g, l, n, 1, chance(g, 85) ? 1 : 2,
		    &bad));
	}
	if (strcmp(kind, "sexual") == 0 || strcmp(kind, "both") == 0)
		put(&bad, v, "sexual_exploitation_types", wid_some(g, WLIST(vot_sex_types),
		    1, 1, &bad));
	if (!chance(g, 15))
		put(&bad, v, "means_of_control", wid_some(g, WLIST(vot_control), 1, 4,
		    &bad));
	put(&bad, v, "exploitation_duration_months",
	    json_integer(1 + (json_int_t)gen_uniform(g, 36)));

	if (!chance(g, 10))
		put(&bad, v, "recruitment_type", wid_some(g, WLIST(vot_recruitment), 1, 1,
		    &bad));
	if (!chance(g, 10))
		put(&bad, v, "recruiter_relation", wid_some(g, WLIST(vot_recruiter), 1, 1,
		    &bad));

	/* countries: recruited at home, crossing up to three others of the route */
	n = 0;
	for (i = 0; i + 1 < strlen(r->transit) && n < 8; i += 3) {
		memcpy(cc, r->transit + i, 2);
		cc[2] = '\0';
		if (strcmp(cc, cit) != 0 && strcmp(cc, expl) != 0)
			transit[n++] = i;
	}
	put_str(&bad, v, "country_of_recruitment", cit);
	k = n > 0 ? gen_uniform(g, 4) : 0;
	if (k > 0 && (a = json_array()) != NULL) {
		/* k distinct of the n, in route order */
		int taken[8] = { 0 };
		unsigned t;

		for (t = 0; t < k && t < n; t++) {
			size_t j = gen_uniform(g, (uint32_t)n);

			while (taken[j])
				j = (j + 1) % n;
			taken[j] = 1;
		}
		for (i = 0; i < n; i++) {
			if (!taken[i])
				continue;
			memcpy(cc, r->transit + transit[i], 2);
			if (json_array_append_new(a, json_string(cc)) != 0)
				bad = 1;
		}
		put(&bad, v, "countries_of_transit", a);
	}
	put_str(&bad, v, "country_of_exploitation", expl);

	put(&bad, v, "assistance_received", wid_some(g, WLIST(vot_assistance), 1, 4, &bad));
	if (chance(g, 70))
		put(&bad, v, "assistance_needed", wid_some(g, WLIST(vot_assistance), 1, 3,
		    &bad));
	put(&bad, v, "consent_to_assistance", json_boolean(chance(g, 95)));
	put(&bad, v, "consent_reporting", json_boolean(chance(g, 85)));

	if (bad) {
		json_decref(v);
		return NULL;
	}
	return v;
}
