package evalpop2

// Name pools by origin. Each entry lists the spellings one name really has
// in German registers and school lists: the first is the most common
// register spelling (passport transliteration, or the name with its own
// letters), the others are what schools, parents or other offices write.
// A single spelling means the name has no common variant.
//
// The pools were written for this generator from knowledge of the names,
// not from the matcher's rules.

type herkunft struct {
	name        string
	anteil      float64
	familie     [][]string
	jungen      [][]string
	maedchen    [][]string
	zweiVornams float64 // share of children with two given names
	// weiblich turns a family name into its feminine form (Polish -ski →
	// -ska, Russian -ov → -ova); nil where family names have no gender.
	weiblich func(string) string
	// trans: probability that a school writes another variant of a given
	// name (transFam: of the family name) than the register.
	trans, transFam float64
}

var herkuenfte = []*herkunft{
	{
		name: "deutsch", anteil: 0.52, zweiVornams: 0.35, trans: 0.04, transFam: 0.01,
		familie: sp("Müller", "Schmidt|Schmitt", "Schneider", "Fischer", "Weber", "Meyer|Meier|Maier|Mayer", "Wagner", "Becker|Bekker",
			"Schulz|Schultz", "Hoffmann|Hofmann", "Schäfer|Schaefer", "Koch", "Bauer", "Richter", "Klein", "Wolf|Wolff",
			"Schröder|Schroeder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange", "Werner",
			"Schmitz", "Krause", "Lehmann", "Schulze", "Köhler", "Herrmann|Hermann", "König", "Walter|Walther", "Huber",
			"Kaiser|Keiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß|Weiss", "Jung", "Hahn", "Schubert",
			"Vogel", "Friedrich", "Keller", "Günther|Günter", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz",
			"Baumann", "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus|Krauß", "Martin",
			"Schumacher", "Krämer|Kraemer", "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß|Gross", "Seidel|Seidl",
			"Heinrich", "Brandt|Brand", "Haas|Haase", "Schreiber", "Graf|Graaf", "Schulte", "Dietrich", "Ziegler",
			"Kuhn", "Kühn", "Pohl", "Engel", "Horn", "Busch", "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold",
			"Pfeiffer|Pfeifer", "Lindner", "Ebert", "Kretschmer", "Thiele|Thiel", "Hübner", "Petzold", "Mann",
			"von Bredow", "Müller-Lüdenscheidt", "Schmidt-Rottluff", "Nowotny", "Pietsch"),
		jungen: sp("Ben", "Paul", "Leon", "Finn|Fynn", "Noah", "Elias", "Luis|Louis", "Felix", "Lukas|Lucas",
			"Jonas", "Maximilian", "Henry|Henri", "Emil", "Anton", "Jakob|Jacob", "Theo", "Oskar|Oscar", "Moritz",
			"Matteo|Mateo", "Niklas|Niclas|Nicklas", "Mattis|Matthis", "Philipp|Phillip", "Karl|Carl", "Leo",
			"Jannik|Yannick|Janik", "Hannes", "Julian", "Tim", "Tom", "David", "Johann|Johan", "Frederik|Friedrich|Frederick",
			"Vincent|Vinzent", "Mats|Mads", "Ole", "Levi", "Liam", "Jan", "Erik|Eric", "Till|Til", "Malte", "Lasse",
			"Konstantin|Constantin", "Benedikt|Benedict", "Jonathan", "Samuel", "Linus", "Bruno", "Rafael|Raphael"),
		maedchen: sp("Emma", "Mia", "Hannah|Hanna", "Sophia|Sofia", "Sophie|Sofie", "Emilia", "Lina", "Marie",
			"Mila", "Ella", "Lea|Leah", "Clara|Klara", "Lena", "Leonie", "Johanna", "Charlotte", "Luisa|Louisa",
			"Paula", "Lotta", "Frieda|Frida", "Greta", "Ida", "Mathilda|Matilda", "Anna", "Amelie|Amely",
			"Maja|Maya", "Nele|Neele", "Carla|Karla", "Helena", "Marlene", "Pia", "Jana", "Laura", "Lilly|Lilli|Lili",
			"Ronja|Ronya", "Merle", "Finja|Finya", "Isabell|Isabel|Isabelle", "Antonia", "Luise|Louise", "Elisa", "Juna"),
	},
	{
		name: "türkisch", anteil: 0.12, zweiVornams: 0.12, trans: 0.15, transFam: 0.1,
		familie: sp("Yılmaz|Yilmaz", "Kaya", "Demir", "Şahin|Sahin|Schahin", "Çelik|Celik", "Yıldız|Yildiz|Yildis",
			"Yıldırım|Yildirim", "Öztürk|Oeztuerk|Ozturk", "Aydın|Aydin", "Özdemir|Oezdemir|Ozdemir", "Arslan|Aslan",
			"Doğan|Dogan", "Kılıç|Kilic|Kilinc", "Çetin|Cetin", "Kara", "Koç|Koc", "Kurt", "Özkan|Oezkan", "Şimşek|Simsek",
			"Polat", "Korkmaz", "Erdoğan|Erdogan", "Güneş|Gunes|Guenes", "Aksoy", "Acar", "Tekin", "Uçar|Ucar",
			"Bulut", "Keskin", "Ünal|Unal|Uenal"),
		jungen: sp("Yusuf|Jusuf|Yussuf", "Emir", "Mustafa", "Mehmet|Mehmed", "Ahmet|Ahmed", "Ali", "Hüseyin|Huseyin|Hüssein",
			"Ömer|Omer|Oemer", "Eymen", "Kerem", "Emre", "Burak", "Berat", "Hasan|Hassan", "Furkan", "Çınar|Cinar",
			"Metehan", "Yiğit|Yigit", "Mert", "Deniz", "Can|Djan", "Efe", "Arda", "Onur", "Enes", "İbrahim|Ibrahim"),
		maedchen: sp("Zeynep|Zeinep", "Elif", "Defne", "Ecrin", "Azra", "Eylül|Eylul|Eyluel", "Meryem|Meriem",
			"Ayşe|Ayse|Aische", "Esma", "Hira", "Nisa", "Büşra|Busra", "Melek", "Sude", "İpek|Ipek", "Ela", "Asya|Asja",
			"Derya", "Şeyma|Seyma", "Yağmur|Yagmur", "Melis", "Dilara", "Selin", "Aylin|Eileen"),
	},
	{
		name: "arabisch", anteil: 0.10, zweiVornams: 0.08, trans: 0.35, transFam: 0.3,
		familie: sp("Al-Hassan|Alhassan|Al Hassan|El-Hassan", "Al-Ahmad|Alahmad|Al Ahmad", "Al-Ali|Alali|Al Ali",
			"Ibrahim|Ebrahim", "Khalil|Chalil|Khaleel", "Haddad", "Mansour|Mansur", "Saleh|Salih", "Hussein|Hussain|Husein",
			"Abdullah|Abdallah", "Mahmoud|Mahmud", "Othman|Osman|Uthman", "Darwish|Darwisch", "Youssef|Yousef|Yusuf",
			"Nasser|Naser", "Khoury|Khouri|Khuri", "Aziz", "Hamdan", "Suleiman|Sulaiman|Suleyman", "Jaber|Jabir|Dschaber",
			"Kassem|Qasim|Kasim", "Al-Khatib|Alkhatib|Al Khatib|El-Khatib", "Mohammad|Mohammed|Muhammad", "Hamoud|Hammoud",
			"Sheikh|Scheich|Shaikh", "Ismail|Ismael", "Rahman", "Said|Saeed|Sayed", "Habib", "Jamal|Dschamal"),
		jungen: sp("Mohammed|Muhammad|Mohamed|Mohammad|Muhammed", "Ahmad|Ahmed", "Ali", "Omar|Umar", "Khaled|Khalid|Chaled",
			"Yousef|Youssef|Yusuf|Jussuf", "Abdulrahman|Abdelrahman|Abdurrahman", "Hamza|Hamsa", "Adam", "Karim|Kareem",
			"Mahmoud|Mahmud", "Hassan|Hasan", "Ibrahim", "Amir|Ameer", "Zaid|Zayd|Seid", "Mustafa|Mostafa", "Yasin|Yassin|Jasin",
			"Hussein|Husain|Hussain", "Abdullah|Abdallah", "Majd|Madschd", "Rami", "Bilal", "Jad|Dschad", "Taim|Tayim"),
		maedchen: sp("Fatima|Fatema|Fatimah", "Aisha|Aischa|Ayesha|Aicha", "Mariam|Maryam|Mariyam", "Zainab|Zeinab|Zaynab",
			"Noor|Nour|Nur", "Sara|Sarah", "Layla|Leila|Laila", "Hiba", "Rana", "Yasmin|Jasmin|Yasmine", "Amal",
			"Rahaf", "Hala", "Lamar", "Judy|Joudi|Judi", "Sham|Scham", "Lana", "Malak", "Rimas", "Aya|Aja", "Salma",
			"Maya|Maja", "Ghazal|Gazal", "Batoul|Batul"),
	},
	{
		name: "russisch", anteil: 0.07, zweiVornams: 0.04, trans: 0.3, transFam: 0.3,
		familie: sp("Ivanov|Iwanow|Ivanow", "Petrov|Petrow", "Smirnov|Smirnow", "Kuznetsov|Kusnezow|Kuznecov|Kuznezov",
			"Popov|Popow", "Sokolov|Sokolow", "Lebedev|Lebedew", "Kozlov|Koslow|Kozlow", "Novikov|Nowikow",
			"Morozov|Morosow", "Volkov|Wolkow", "Fedorov|Fjodorow|Fedorow", "Mikhailov|Michailow|Mikhaylov",
			"Pavlov|Pawlow", "Semenov|Semjonow|Semyonov", "Orlov|Orlow", "Zaitsev|Saizew|Zaytsev", "Vasiliev|Wassiljew|Vasilyev",
			"Schmidt", "Becker", "Wagner", "Klassen|Classen", "Friesen", "Janzen|Jantzen", "Dick"),
		jungen: sp("Aleksandr|Alexander|Aleksander|Alexandr", "Dmitri|Dmitrij|Dmitry|Dmitriy", "Maksim|Maxim|Maksym",
			"Artem|Artyom|Artjom", "Ivan|Iwan", "Mikhail|Michail", "Nikita", "Kirill|Kyrill", "Daniil|Danil",
			"Egor|Jegor|Yegor", "Matvei|Matvey|Matwej", "Timofei|Timofey|Timofej", "Andrei|Andrey|Andrej",
			"Sergei|Sergey|Sergej", "Roman", "Ilya|Ilja|Ilia", "Lev|Lew", "Mark", "Arseni|Arseniy|Arsenij"),
		maedchen: sp("Anastasia|Anastasija|Anastasiya", "Sofia|Sofiya|Sofija", "Maria|Mariya|Marija", "Anna",
			"Polina", "Viktoria|Victoria|Viktorija", "Elizaveta|Yelizaveta|Jelisaweta", "Darya|Daria|Darja",
			"Alisa|Alissa", "Ksenia|Kseniya|Xenia", "Varvara|Warwara", "Ekaterina|Yekaterina|Jekaterina",
			"Olga", "Natalia|Natalja|Nataliya", "Arina", "Vera|Wera", "Milana", "Veronika|Veronica|Weronika"),
		weiblich: func(s string) string {
			if n := len(s); n > 2 && (s[n-2:] == "ov" || s[n-2:] == "ev" || s[n-2:] == "in") {
				return s + "a"
			}
			if n := len(s); n > 2 && (s[n-2:] == "ow" || s[n-2:] == "ew") {
				return s + "a"
			}
			return s
		},
	},
	{
		name: "ukrainisch", anteil: 0.07, zweiVornams: 0.04, trans: 0.4, transFam: 0.3,
		familie: sp("Shevchenko|Schewtschenko|Sevcenko|Ševčenko", "Kovalenko|Kowalenko", "Bondarenko",
			"Tkachenko|Tkatschenko", "Kravchenko|Krawtschenko", "Boyko|Boiko|Bojko", "Kovalchuk|Kowaltschuk",
			"Oliynyk|Oliinyk|Olijnyk", "Shevchuk|Schewtschuk", "Polishchuk|Polischtschuk", "Melnyk|Melnik",
			"Savchenko|Sawtschenko", "Rudenko", "Marchenko|Martschenko", "Lysenko|Lyssenko|Lisenko", "Moroz",
			"Petrenko", "Kravets|Krawez|Kravec", "Pavlenko|Pawlenko", "Kharchenko|Charchenko|Chartschenko",
			"Honcharenko|Hontscharenko|Goncharenko", "Hrytsenko|Hryzenko|Gritsenko", "Zhuk|Schuk", "Yurchenko|Jurtschenko"),
		jungen: sp("Oleksandr|Olexandr|Alexander|Aleksandr|Oleksander", "Dmytro|Dmitro|Dmitri", "Andrii|Andriy|Andrij|Andrej",
			"Maksym|Maksim|Maxim", "Artem|Artjom", "Serhii|Serhiy|Sergii|Sergej", "Mykola|Mikola|Nikolai",
			"Bohdan|Bogdan", "Volodymyr|Wolodymyr|Vladimir", "Yaroslav|Jaroslaw|Iaroslav", "Taras",
			"Mykhailo|Mychajlo|Michail", "Danylo|Danilo|Daniil", "Ivan|Iwan", "Denys|Denis", "Yehor|Jehor|Egor",
			"Matvii|Matviy|Matwij", "Nazar", "Illia|Ilia|Ilja", "Kyrylo|Kirilo|Kirill"),
		maedchen: sp("Olha|Olga|Olya", "Yuliia|Yulia|Julija|Iuliia", "Anastasiia|Anastasia|Anastasija", "Sofiia|Sofia|Sofija",
			"Kateryna|Katerina|Ekaterina", "Viktoriia|Viktoria|Wiktorija", "Daryna|Darina", "Mariia|Maria|Marija",
			"Hanna|Anna|Ganna", "Oksana", "Iryna|Irina", "Solomiia|Solomiya|Solomija", "Zlata", "Valeriia|Valeria|Walerija",
			"Yelyzaveta|Elizaveta|Jelisaweta", "Polina", "Alina", "Veronika|Weronika", "Milana", "Yana|Jana"),
	},
	{
		name: "polnisch", anteil: 0.07, zweiVornams: 0.25, trans: 0.15, transFam: 0.05,
		familie: sp("Nowak|Nowack", "Kowalski", "Wiśniewski|Wisniewski", "Wójcik|Wojcik", "Kowalczyk", "Kamiński|Kaminski",
			"Lewandowski", "Zieliński|Zielinski", "Szymański|Szymanski", "Woźniak|Wozniak", "Dąbrowski|Dabrowski",
			"Kozłowski|Kozlowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski",
			"Nowakowski", "Pawłowski|Pawlowski", "Michalski", "Król|Krol", "Wieczorek", "Jabłoński|Jablonski",
			"Wróbel|Wrobel", "Majewski", "Olszewski", "Stępień|Stepien", "Malinowski", "Jaworski"),
		jungen: sp("Łukasz|Lukasz|Lukas", "Jakub|Jakob", "Kacper|Kasper", "Szymon|Simon", "Wojciech", "Mateusz|Mateus",
			"Filip|Philipp", "Antoni|Anton", "Jan", "Piotr", "Michał|Michal|Michael", "Bartosz", "Mikołaj|Mikolaj",
			"Krzysztof|Christoph", "Tomasz|Tomas", "Paweł|Pawel", "Franciszek|Franziskus", "Aleksander|Alexander",
			"Igor", "Oskar|Oscar", "Stanisław|Stanislaw", "Wiktor|Viktor"),
		maedchen: sp("Zuzanna|Zusanna", "Julia", "Zofia|Sofia", "Hanna|Hannah", "Maja|Maya", "Lena", "Alicja|Alicia",
			"Małgorzata|Malgorzata", "Agnieszka|Agnieschka", "Katarzyna", "Wiktoria|Viktoria", "Natalia", "Oliwia|Olivia",
			"Amelia", "Łucja|Lucja", "Pola", "Laura", "Aleksandra|Alexandra", "Gabriela", "Nikola|Nicola", "Antonina"),
		weiblich: func(s string) string {
			for _, suf := range []string{"ski", "cki", "dzki"} {
				if n := len(s); n > len(suf) && s[n-len(suf):] == suf {
					return s[:n-1] + "a"
				}
			}
			return s
		},
	},
	{
		name: "vietnamesisch", anteil: 0.05, zweiVornams: 0.85, trans: 0.05, transFam: 0.02,
		familie: sp("Nguyễn|Nguyen", "Trần|Tran", "Lê|Le", "Phạm|Pham", "Hoàng|Hoang", "Huỳnh|Huynh", "Phan",
			"Vũ|Vu", "Võ|Vo", "Đặng|Dang", "Bùi|Bui", "Đỗ|Do", "Hồ|Ho", "Ngô|Ngo", "Dương|Duong", "Lý|Ly"),
		// The first given name of most Vietnamese children is a middle
		// name (Văn, Thị, Minh, …), see vietnamesisch in evalpop2.go.
		jungen: sp("An", "Anh", "Bảo|Bao", "Duy", "Hải|Hai", "Hùng|Hung", "Khang", "Khánh|Khanh", "Long", "Minh",
			"Nam", "Phúc|Phuc", "Quân|Quan", "Trung", "Tuấn|Tuan", "Đức|Duc", "Huy", "Kiên|Kien", "Tùng|Tung", "Lucas|Lukas", "Felix"),
		maedchen: sp("Anh", "Châu|Chau", "Linh", "Mai", "Ngọc|Ngoc", "Thảo|Thao", "Trang", "Vy|Vi", "Hương|Huong",
			"Lan", "Nhi", "Hà|Ha", "Hoa", "My", "Thư|Thu", "Yến|Yen", "Emily|Emilie", "Sophie|Sofie"),
	},
}

func init() {
	// German family names are many more than a list can hold; the common
	// ones above plus names made of the usual parts (Lindemann,
	// Bergner, Holzapfel …), about 400 in all.
	teil := []string{"Linde", "Berg", "Hof", "Wald", "Stein", "Brunn", "Feld", "Kirch", "Mühl", "Bach", "Ros",
		"Eich", "Buch", "Schön", "Neu", "Alt", "Holz", "Sonn", "Hagen", "Wiese", "Kolb", "Ritt", "Hell", "Dorn",
		"Reu", "Gött", "Heid", "Lau", "Mar", "Stol", "Wend", "Zell", "Fahr", "Born", "Eng", "Thal"}
	ende := []string{"mann", "ner", "er", "hoff", "meier", "berger", "ke", "el", "inger", "hardt", "ert"}
	d := herkuenfte[0]
	for i, t := range teil {
		for j, e := range ende {
			if (i+j)%2 == 0 {
				d.familie = append(d.familie, []string{t + e})
			}
		}
	}
}

var vietMitte = map[string][][]string{
	"m": sp("Văn|Van", "Minh", "Đức|Duc", "Gia", "Quốc|Quoc", "Thành|Thanh", "Hoàng|Hoang"),
	"w": sp("Thị|Thi", "Ngọc|Ngoc", "Thanh", "Minh", "Bảo|Bao", "Khánh|Khanh", "Phương|Phuong"),
}

var strassen = []string{"Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Schulstraße", "Am Markt",
	"Breiter Weg", "Magdeburger Straße", "Goethestraße", "Schillerplatz", "Rosenweg", "Bergstraße", "Kirchgasse",
	"Friedensstraße", "Am Anger", "Lessingstraße", "Ringstraße", "Mühlenweg", "Birkenweg", "Waldstraße",
	"Karl-Marx-Straße", "Thomas-Müntzer-Ring", "Heinrich-Heine-Weg", "Dorfstraße", "Elbuferweg", "Wiesenstraße",
	"Feldstraße", "Am Stadtpark", "Neue Reihe", "Lutherstraße", "Kastanienallee", "Parkstraße", "Sandweg"}

func sp(eintraege ...string) [][]string {
	out := make([][]string, len(eintraege))
	for i, e := range eintraege {
		var teile []string
		start := 0
		for j := 0; j <= len(e); j++ {
			if j == len(e) || e[j] == '|' {
				teile = append(teile, e[start:j])
				start = j + 1
			}
		}
		out[i] = teile
	}
	return out
}
