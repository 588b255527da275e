package schulpflicht

// Name lists for the generated population: frequent German given and
// family names (ordered roughly by frequency, with umlauts, ß and accents
// in realistic places), name parts that compose the long tail of rare
// family names, names of families from abroad, and names with particles.

var jungen = []string{
	"Noah", "Ben", "Matteo", "Finn", "Leon", "Elias", "Paul", "Henry", "Luis", "Felix",
	"Lukas", "Jonas", "Emil", "Theo", "Maximilian", "Anton", "Jakob", "Liam", "Oskar", "Moritz",
	"Karl", "Julian", "Niklas", "David", "Alexander", "Jan", "Tim", "Tom", "Philipp", "Simon",
	"Jürgen", "Jörg", "Björn", "Sören", "Jonah", "Mika", "Ole", "Lennard", "Fabian", "Johannes",
	"Benedikt", "Konstantin", "Valentin", "Vincent", "Frederik", "Hannes", "Malte", "Lasse", "Mats", "Till",
	"René", "André", "Noé", "José", "Timothée", "Rüdiger", "Günther", "Götz", "Yusuf", "Ali",
	"Mohammed", "Mehmet", "Emre", "Can", "Luca", "Nico", "Marlon", "Levi", "Aaron", "Samuel",
	"Erik", "Jannik", "Kilian", "Leonhard", "Linus", "Friedrich", "Wilhelm", "Christoph", "Sebastian", "Dominik",
	"Lorenz", "Raphael", "Gabriel", "Adrian", "Milan", "Nils", "Piet", "Bastian", "Cornelius", "Xaver",
}

var maedchen = []string{
	"Emilia", "Emma", "Mia", "Sophia", "Hannah", "Lina", "Ella", "Mila", "Clara", "Lea",
	"Leni", "Marie", "Anna", "Luisa", "Frieda", "Ida", "Lena", "Leonie", "Amelie", "Johanna",
	"Charlotte", "Mathilda", "Greta", "Lia", "Nele", "Paula", "Lotta", "Maja", "Sophie", "Laura",
	"Jördis", "Käthe", "Bärbel", "Märthe", "Jülide", "Chloé", "Zoé", "Renée", "Hélène", "Mélanie",
	"Anna-Lena", "Marie-Sophie", "Lara", "Sarah", "Julia", "Katharina", "Elisabeth", "Helene", "Victoria", "Antonia",
	"Ayşe", "Elif", "Zeynep", "Fatma", "Aylin", "Merve", "Amira", "Layla", "Nour", "Yasmin",
	"Finja", "Thea", "Romy", "Pia", "Jana", "Carla", "Elena", "Isabell", "Jasmin", "Kira",
	"Lotte", "Martha", "Magdalena", "Rosalie", "Svenja", "Tabea", "Wiebke", "Xenia", "Yara", "Zoe",
}

var familiennamen = []string{
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
	"Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
	"Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
	"Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert",
	"Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz",
	"Baumann", "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin",
	"Schumacher", "Krämer", "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich",
	"Brandt", "Haas", "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl",
	"Engel", "Horn", "Busch", "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer",
	"Strauß", "Nußbaum", "Große", "Weißmann", "Rößler", "Preuß", "Voß", "Heß", "Kleß", "Straßburger",
}

var namensAnfang = []string{
	"Ahlen", "Bach", "Baum", "Birken", "Blum", "Brück", "Buch", "Dorn", "Eich", "Eisen",
	"Feld", "Fels", "Frei", "Gold", "Grün", "Hagen", "Hain", "Heide", "Hilde", "Hoch",
	"Holz", "Kirch", "Lichten", "Linden", "Mittel", "Mühl", "Neu", "Ober", "Ost", "Rosen",
	"Sand", "Schön", "See", "Silber", "Sonnen", "Stein", "Tann", "Thal", "Unter", "Wald",
	"Wasser", "Weiden", "West", "Wies", "Wilden", "Winter", "Zeller", "Lüders", "Köster", "Dreß",
}

var namensEnde = []string{
	"bach", "berg", "bauer", "brand", "brink", "burg", "dorf", "feld", "hagen", "hausen",
	"heim", "hofer", "holz", "horst", "kamp", "mann", "meier", "müller", "reuter", "rath",
	"schmidt", "stedt", "stein", "thaler", "wald", "wedel", "winkel", "ecker", "inger", "ler",
}

var auslaendischeNamen = []string{
	"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Nowak", "Kowalski", "Wiśniewski",
	"Nguyen", "Tran", "Ivanov", "Popescu", "Horváth", "García", "Fernández", "Rossi", "Dubois", "Lefèvre",
	"Haddad", "Khalil", "Rahimi", "Hosseini", "Mahmoud", "Novák", "Dvořák", "Petrović", "Jovanović", "Müller-Thurgau",
}

var partikelNamen = []string{
	"von Bülow", "van der Berg", "de Vries", "zu Guttenberg", "von der Heide", "von Stein", "van Dijk",
	"de la Cruz", "von Münchhausen", "zur Linden", "ter Horst", "von Weizsäcker", "Al Hassan", "di Stefano",
}

var strassen = []string{
	"Haupt", "Bahnhof", "Schul", "Garten", "Dorf", "Berg", "Kirch", "Wald", "Ring", "Linden",
	"Birken", "Eichen", "Goethe", "Schiller", "Lessing", "Mozart", "Beethoven", "Friedhof", "Markt", "Mühlen",
	"Rosen", "Tulpen", "Wiesen", "Feld", "Sonnen", "Amsel", "Drossel", "Finken", "Lerchen", "Meisen",
	"Händel", "Thälmann", "Bebel", "Luther", "Melanchthon", "Francke", "Saale", "Elbe", "Harz", "Brocken",
}
