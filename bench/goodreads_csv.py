#!/usr/bin/env python3
"""Writes a deterministic Goodreads-export CSV of N books for the benchmark.

Usage: goodreads_csv.py N OUT.csv [FIRST]   (prints the most common title word and its book
count). FIRST (1) numbers the first book's ISBN, so a second file can hold other books.

Titles mix stop words with content words drawn with a Zipf-like skew, so a search for the
most common content word matches a few percent of the catalogue, as "love" or "night" do
in a real one. Every book gets a distinct, valid ISBN-13 (and its ISBN-10).
"""
import csv
import random
import sys
from collections import Counter

CONTENT = """night love war house river shadow garden city king queen secret summer winter
fire stone blood light dark ocean mountain island forest journey empire history world life
death heart storm moon star sun girl boy child mother father daughter son brother sister
dragon witch ghost wolf bird horse road door window letter book song game dream memory
silence truth lie promise crown sword kingdom lost last first little great new old hidden
wild broken golden silver red blue black white green iron glass paper salt bone wind rain
snow sea sky earth time year day morning evening hour keeper hunter thief soldier doctor
teacher prince princess lady lord captain stranger friend enemy widow orphan angel devil
saint sinner machine engine code science mind body soul spirit art music dance poetry
language number theory practice guide introduction principles design system network data
economics politics power money family home travel kitchen cooking bread wine coffee tea
murder mystery detective case crime trial justice law revolution freedom liberty republic
ship harbor bridge tower castle palace temple church school library museum market street
village valley desert jungle field farm orchard rose lily oak pine willow autumn spring""".split()
STOP = "the of a and in to on at for with from under between beyond after before".split()
FIRST = """James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara
Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony
Margaret Mark Sandra Paul Ashley Steven Emily Andrew Donna Kenneth Michelle Joshua Carol
Haruki Chimamanda Gabriel Toni Isabel Orhan Elena Kazuo Zadie Salman Ursula Octavia""".split()
LAST = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez
Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White
Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres
Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts
Murakami Adichie Morrison Allende Pamuk Ferrante Ishiguro Rushdie LeGuin Butler""".split()
PUBLISHERS = """Penguin;Vintage;HarperCollins;Random House;Macmillan;Simon & Schuster;Tor Books;
Faber & Faber;Bloomsbury;Oxford University Press;Scholastic;Knopf;Orbit;Del Rey""".replace("\n", "").split(";")
SHELVES = """to-read fiction fantasy classics science-fiction mystery romance history biography
poetry non-fiction favorites young-adult horror thriller philosophy""".split()
BINDINGS = ["Paperback", "Hardcover", "Kindle Edition", "Mass Market Paperback"]
HEADER = ["Book Id", "Title", "Author", "Author l-f", "Additional Authors", "ISBN", "ISBN13",
          "My Rating", "Average Rating", "Publisher", "Binding", "Number of Pages",
          "Year Published", "Original Publication Year", "Date Read", "Date Added",
          "Bookshelves", "Bookshelves with positions", "Exclusive Shelf", "My Review",
          "Spoiler", "Private Notes", "Read Count", "Owned Copies"]


def isbns(n):
    body = "978%09d" % n
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    isbn13 = body + str((10 - total % 10) % 10)
    core = body[3:]
    check10 = (11 - sum(int(d) * (10 - i) for i, d in enumerate(core)) % 11) % 11
    return core + ("X" if check10 == 10 else str(check10)), isbn13


def main():
    count, out = int(sys.argv[1]), sys.argv[2]
    first_isbn = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = random.Random(20261124)
    weights = [1.0 / (rank + 8) for rank in range(len(CONTENT))]
    seen = Counter()
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for n in range(1, count + 1):
            words = rng.choices(CONTENT, weights, k=rng.randint(1, 3))
            title = " ".join(x.capitalize() for x in words)
            shape = rng.random()
            if shape < 0.3:
                title = "The " + title
            elif shape < 0.5:
                title += " %s the %s" % (rng.choice(STOP), rng.choice(CONTENT).capitalize())
            elif shape < 0.6:
                title += ": A Novel"
            seen.update({x.lower() for x in title.replace(":", " ").split()} & set(CONTENT))
            first, last = rng.choice(FIRST), rng.choice(LAST)
            isbn10, isbn13 = isbns(n + first_isbn - 1)
            shelves = rng.sample(SHELVES, rng.randint(1, 3))
            year = rng.randint(1850, 2025)
            w.writerow([
                n, title, "%s %s" % (first, last), "%s, %s" % (last, first), "",
                '="%s"' % isbn10, '="%s"' % isbn13, rng.randint(0, 5),
                "%.2f" % rng.uniform(2.5, 4.9), rng.choice(PUBLISHERS).strip(),
                rng.choice(BINDINGS), rng.randint(80, 900), year, year - rng.randint(0, 3),
                "", "2024/%02d/%02d" % (rng.randint(1, 12), rng.randint(1, 28)),
                ", ".join(shelves), ", ".join("%s (#%d)" % (s, n) for s in shelves),
                shelves[0] if shelves[0] in ("to-read",) else "read", "", "", "", 1,
                rng.randint(1, 3),
            ])
    word, books = seen.most_common(1)[0]
    print(word, books)


if __name__ == "__main__":
    main()
