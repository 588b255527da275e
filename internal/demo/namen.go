package demo

// Name lists of the communities living in a German city today, as a
// German register writes them: German names, and the names of families
// from Turkey, the Arab countries, Russia, Ukraine, Poland, Vietnam,
// Romania and Afghanistan in their usual German spelling. Given and family
// names are drawn independently, so every child is a fictional
// combination; no list names a real person.

// gemeinschaft is one community: its share of the children, its given
// names by sex, its family names, and how a school secretary tends to
// write its names differently from the register (schreibweise).
type gemeinschaft struct {
	name     string
	anteil   float64
	jungen   []string
	maedchen []string
	familie  []string
	// weiblich forms a family name for a girl (Iwanow → Iwanowa,
	// Kowalski → Kowalska); nil: the same for both.
	weiblich func(string) string
	// zweiterVorname: share of children with a second given name.
	zweiterVorname float64
}

var gemeinschaften = []gemeinschaft{
	{name: "deutsch", anteil: 0.62, zweiterVorname: 0.3,
		jungen: []string{"Noah", "Ben", "Matteo", "Finn", "Leon", "Elias", "Paul", "Henry", "Luis", "Felix",
			"Lukas", "Jonas", "Emil", "Theo", "Maximilian", "Anton", "Jakob", "Liam", "Oskar", "Moritz",
			"Karl", "Julian", "Niklas", "Tim", "Tom", "Philipp", "Jannik", "Lennard", "Mats", "Till",
			"Johannes", "Konstantin", "Vincent", "Hannes", "Ole", "Mika", "Levi", "Aaron", "Erik", "Linus",
			"Friedrich", "Nils", "Fynn", "Janne", "Lasse", "Bruno", "Jonte", "Carl", "Richard", "Leopold"},
		maedchen: []string{"Emilia", "Emma", "Mia", "Sophia", "Hannah", "Lina", "Ella", "Mila", "Clara", "Lea",
			"Leni", "Marie", "Anna", "Luisa", "Frieda", "Ida", "Lena", "Leonie", "Amelie", "Johanna",
			"Charlotte", "Mathilda", "Greta", "Nele", "Paula", "Lotta", "Maja", "Sophie", "Laura", "Lara",
			"Pia", "Jana", "Carla", "Thea", "Romy", "Helene", "Antonia", "Marlene", "Mira", "Juna",
			"Käthe", "Jördis", "Merle", "Finja", "Ronja", "Isabell", "Josefine", "Magdalena", "Rosalie", "Svenja"},
		familie: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
			"Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
			"Braun", "Krüger", "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Schulze", "Köhler", "Herrmann",
			"König", "Walter", "Fuchs", "Peters", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert",
			"Vogel", "Friedrich", "Günther", "Frank", "Berger", "Winkler", "Roth", "Lorenz", "Baumann", "Franke",
			"Albrecht", "Ludwig", "Böhm", "Winter", "Kraus", "Schumacher", "Krämer", "Vogt", "Jäger", "Otto",
			"Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haase", "Schreiber", "Dietrich", "Kühn", "Pohl",
			"Engel", "Horn", "Busch", "Bergmann", "Voigt", "Sauer", "Arnold", "Pfeiffer", "Strauß", "Große",
			"Thiele", "Kretschmer", "Ulbrich", "Hennig", "Förster", "Rößler", "Heß", "Kunze", "Jahn", "Nitsche",
			"Wendt", "Reinhardt", "Göbel", "Lindner", "Hübner", "Schenk", "Schütze", "Fiedler", "Kaden", "Mühlbauer"}},
	{name: "türkisch", anteil: 0.09, zweiterVorname: 0.05,
		jungen: []string{"Yusuf", "Emir", "Ömer", "Mehmet", "Mustafa", "Eymen", "Kerem", "Çınar", "Aras", "Deniz",
			"Efe", "Berat", "Alperen", "Burak", "Emre", "Hakan", "Kaan", "Selim", "Tuna", "Yiğit"},
		maedchen: []string{"Elif", "Zeynep", "Ayşe", "Defne", "Azra", "Eylül", "Büşra", "Meryem", "Ecrin", "Nisa",
			"Aylin", "Merve", "Derya", "Selin", "Sude", "Hira", "Esra", "Melek", "Ela", "Yağmur"},
		familie: []string{"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir",
			"Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek",
			"Polat", "Erdem", "Güneş", "Aksoy", "Korkmaz", "Uçar", "Bozkurt", "Tekin", "Ateş", "Keskin"}},
	{name: "arabisch", anteil: 0.08, zweiterVorname: 0.05,
		jungen: []string{"Mohammed", "Ahmad", "Omar", "Yousef", "Khaled", "Hamza", "Karim", "Adam", "Ali", "Hassan",
			"Ibrahim", "Mahmoud", "Tarek", "Amir", "Bilal", "Jamal", "Nabil", "Rami", "Samir", "Zaid"},
		maedchen: []string{"Lana", "Rama", "Sara", "Maryam", "Aya", "Jana", "Layan", "Nour", "Hiba", "Rahaf",
			"Salma", "Dana", "Amira", "Leen", "Joud", "Rasha", "Yasmin", "Malak", "Hala", "Ghina"},
		familie: []string{"Al-Hassan", "Al-Ahmad", "Haddad", "Khalil", "Saleh", "Mansour", "Hamdan", "Aziz", "Darwish", "Ibrahim",
			"Nasser", "Al-Khatib", "Othman", "Suleiman", "Youssef", "Kassem", "Al-Rashid", "Hamoud", "Issa", "Mousa",
			"Abdallah", "Al-Sayed", "Barakat", "Farouk", "Haidar"}},
	{name: "russisch", anteil: 0.05, zweiterVorname: 0, weiblich: slawischWeiblich,
		jungen: []string{"Maxim", "Artjom", "Daniil", "Iwan", "Dmitri", "Nikita", "Kirill", "Matwej", "Timofej", "Alexej",
			"Michail", "Roman", "Sergej", "Jegor", "Wladislaw"},
		maedchen: []string{"Anastasia", "Darja", "Polina", "Sofia", "Viktoria", "Alina", "Jelena", "Xenia", "Warwara", "Milana",
			"Jekaterina", "Walerija", "Arina", "Uljana", "Swetlana"},
		familie: []string{"Iwanow", "Petrow", "Smirnow", "Kusnezow", "Popow", "Wolkow", "Sokolow", "Lebedew", "Morosow", "Nowikow",
			"Fjodorow", "Orlow", "Sacharow", "Jegorow", "Below", "Medwedew", "Nikitin", "Kowaljow", "Golubew", "Winogradow"}},
	{name: "ukrainisch", anteil: 0.05, zweiterVorname: 0,
		jungen: []string{"Oleksandr", "Andrij", "Bohdan", "Denys", "Jaroslaw", "Mykyta", "Taras", "Ostap", "Matwij", "Danylo",
			"Wolodymyr", "Artem", "Maksym", "Illja", "Serhij"},
		maedchen: []string{"Sofija", "Anastasija", "Solomija", "Olena", "Iryna", "Daryna", "Oksana", "Wiktorija", "Marija", "Kateryna",
			"Myroslawa", "Zlata", "Polina", "Jewa", "Chrystyna"},
		familie: []string{"Kowalenko", "Bondarenko", "Tkatschenko", "Schewtschenko", "Melnyk", "Kowaltschuk", "Bojko", "Tkatschuk", "Krawtschenko", "Lysenko",
			"Martschenko", "Sawtschenko", "Olijnyk", "Moroz", "Pawlenko", "Kusmenko", "Poljakow", "Rudenko", "Sydorenko", "Hrytsenko"}},
	{name: "polnisch", anteil: 0.04, zweiterVorname: 0.1, weiblich: polnischWeiblich,
		jungen: []string{"Jakub", "Kacper", "Szymon", "Filip", "Mikołaj", "Wojciech", "Antoni", "Jan", "Bartosz", "Piotr",
			"Michał", "Aleksander", "Franciszek", "Igor", "Oskar"},
		maedchen: []string{"Zuzanna", "Julia", "Maja", "Zofia", "Hanna", "Łucja", "Wiktoria", "Natalia", "Alicja", "Oliwia",
			"Lena", "Amelia", "Gabriela", "Małgorzata", "Pola"},
		familie: []string{"Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak",
			"Dąbrowski", "Kozłowski", "Mazur", "Krawczyk", "Jankowski", "Wojciechowski", "Kwiatkowski", "Grabowski", "Pawłowski", "Michalak"}},
	{name: "vietnamesisch", anteil: 0.03, zweiterVorname: 0,
		jungen:   []string{"Minh Duc", "Gia Huy", "Quang Minh", "Duc Anh", "Bao Long", "Tuan Kiet", "Hoang Nam", "Minh Khoa", "Thanh Tung", "Viet Anh"},
		maedchen: []string{"Ngoc Anh", "Bao Ngoc", "Thu Trang", "Minh Chau", "Khanh Linh", "Thanh Mai", "Phuong Anh", "Ha My", "Lan Anh", "Thao Vy"},
		familie:  []string{"Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do", "Ngo", "Duong", "Ly", "Phan", "Trinh", "Dinh"}},
	{name: "rumänisch", anteil: 0.02, zweiterVorname: 0.1,
		jungen:   []string{"Andrei", "David", "Luca", "Ștefan", "Matei", "Alexandru", "Mihai", "Darius", "Vlad", "Gabriel"},
		maedchen: []string{"Ioana", "Maria", "Elena", "Sofia", "Bianca", "Andreea", "Daria", "Alexia", "Ana", "Irina"},
		familie:  []string{"Popescu", "Ionescu", "Popa", "Stan", "Dumitru", "Constantin", "Munteanu", "Moldovan", "Rusu", "Lungu", "Ciobanu", "Florea"}},
	{name: "afghanisch", anteil: 0.02, zweiterVorname: 0,
		jungen:   []string{"Mohammad", "Ahmad", "Mustafa", "Farhad", "Sohrab", "Omid", "Jawad", "Milad", "Navid", "Elyas"},
		maedchen: []string{"Mariam", "Zahra", "Fatima", "Madina", "Nilofar", "Parwana", "Sahar", "Setayesh", "Yalda", "Zainab"},
		familie:  []string{"Ahmadi", "Rahimi", "Karimi", "Hosseini", "Mohammadi", "Sultani", "Haidari", "Noori", "Sadat", "Azizi", "Jafari", "Rezaei"}},
}

// slawischWeiblich gives the girl's form of a Russian family name in
// German spelling: Iwanow → Iwanowa, Nikitin → Nikitina.
func slawischWeiblich(s string) string {
	for _, suf := range []string{"ow", "ew", "in", "jow"} {
		if len(s) > len(suf) && s[len(s)-len(suf):] == suf {
			return s + "a"
		}
	}
	return s
}

// polnischWeiblich: Kowalski → Kowalska.
func polnischWeiblich(s string) string {
	if len(s) > 3 && s[len(s)-3:] == "ski" {
		return s[:len(s)-1] + "a"
	}
	return s
}

// Orte outside the city where some pupils of the city's schools live, and
// schools outside the city that some of its children attend. Invented.
var (
	umland = []struct{ ort, plz string }{
		{"Wiesenau", "06193"}, {"Lindendorf", "06198"}, {"Oberkirchberg", "06179"},
	}
	schulenAusserhalb = []struct{ name, ort string }{
		{"Gymnasium Am Wiesengrund", "Wiesenau"},
		{"Freie Montessorischule Lindendorf", "Lindendorf"},
		{"Grundschule Oberkirchberg", "Oberkirchberg"},
		{"Sportgymnasium Auental", "Auental"},
	}
)
