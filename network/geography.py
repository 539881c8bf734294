"""Georgia's regions and municipalities, in both scripts, as the data migration loads them.

Source: ../shared/reference/GEORGIA.md. The 12 Imereti units are verified as listed there. The
other regions' municipalities are "reconstructed, unverified" in that reference, and their
Georgian names were added by us from common usage: unverified too. Official Latin names are
data, never generated from the Georgian (Tkibuli, not T'q'ibuli).
"""

CITY = "city"
MUNICIPALITY = "municipality"

# (ISO 3166-2 code, English, Georgian)
REGIONS = [
    ("GE-TB", "Tbilisi", "თბილისი"),
    ("GE-AB", "Abkhazia", "აფხაზეთი"),
    ("GE-AJ", "Adjara", "აჭარა"),
    ("GE-GU", "Guria", "გურია"),
    ("GE-IM", "Imereti", "იმერეთი"),
    ("GE-KA", "Kakheti", "კახეთი"),
    ("GE-KK", "Kvemo Kartli", "ქვემო ქართლი"),
    ("GE-MM", "Mtskheta-Mtianeti", "მცხეთა-მთიანეთი"),
    ("GE-RL", "Racha-Lechkhumi and Kvemo Svaneti", "რაჭა-ლეჩხუმი და ქვემო სვანეთი"),
    ("GE-SZ", "Samegrelo-Zemo Svaneti", "სამეგრელო-ზემო სვანეთი"),
    ("GE-SJ", "Samtskhe-Javakheti", "სამცხე-ჯავახეთი"),
    ("GE-SK", "Shida Kartli", "შიდა ქართლი"),
]

# region code -> [(English, Georgian, kind)]
MUNICIPALITIES = {
    "GE-IM": [
        ("Kutaisi", "ქუთაისი", CITY),
        ("Baghdati", "ბაღდათი", MUNICIPALITY),
        ("Vani", "ვანი", MUNICIPALITY),
        ("Zestaponi", "ზესტაფონი", MUNICIPALITY),
        ("Terjola", "თერჯოლა", MUNICIPALITY),
        ("Samtredia", "სამტრედია", MUNICIPALITY),
        ("Sachkhere", "საჩხერე", MUNICIPALITY),
        ("Tkibuli", "ტყიბული", MUNICIPALITY),
        ("Tskaltubo", "წყალტუბო", MUNICIPALITY),
        ("Chiatura", "ჭიათურა", MUNICIPALITY),
        ("Kharagauli", "ხარაგაული", MUNICIPALITY),
        ("Khoni", "ხონი", MUNICIPALITY),
    ],
    "GE-TB": [("Tbilisi", "თბილისი", CITY)],
    "GE-AB": [],  # occupied: no municipalities administered
    "GE-AJ": [
        ("Batumi", "ბათუმი", CITY),
        ("Keda", "ქედა", MUNICIPALITY),
        ("Kobuleti", "ქობულეთი", MUNICIPALITY),
        ("Khelvachauri", "ხელვაჩაური", MUNICIPALITY),
        ("Shuakhevi", "შუახევი", MUNICIPALITY),
        ("Khulo", "ხულო", MUNICIPALITY),
    ],
    "GE-GU": [
        ("Ozurgeti", "ოზურგეთი", MUNICIPALITY),
        ("Lanchkhuti", "ლანჩხუთი", MUNICIPALITY),
        ("Chokhatauri", "ჩოხატაური", MUNICIPALITY),
    ],
    "GE-KA": [
        ("Telavi", "თელავი", MUNICIPALITY),
        ("Akhmeta", "ახმეტა", MUNICIPALITY),
        ("Gurjaani", "გურჯაანი", MUNICIPALITY),
        ("Dedoplistskaro", "დედოფლისწყარო", MUNICIPALITY),
        ("Lagodekhi", "ლაგოდეხი", MUNICIPALITY),
        ("Sagarejo", "საგარეჯო", MUNICIPALITY),
        ("Sighnaghi", "სიღნაღი", MUNICIPALITY),
        ("Kvareli", "ყვარელი", MUNICIPALITY),
    ],
    "GE-KK": [
        ("Rustavi", "რუსთავი", CITY),
        ("Bolnisi", "ბოლნისი", MUNICIPALITY),
        ("Gardabani", "გარდაბანი", MUNICIPALITY),
        ("Dmanisi", "დმანისი", MUNICIPALITY),
        ("Tetritskaro", "თეთრიწყარო", MUNICIPALITY),
        ("Marneuli", "მარნეული", MUNICIPALITY),
        ("Tsalka", "წალკა", MUNICIPALITY),
    ],
    "GE-MM": [
        ("Mtskheta", "მცხეთა", MUNICIPALITY),
        ("Dusheti", "დუშეთი", MUNICIPALITY),
        ("Tianeti", "თიანეთი", MUNICIPALITY),
        ("Kazbegi", "ყაზბეგი", MUNICIPALITY),
    ],
    "GE-RL": [
        ("Ambrolauri", "ამბროლაური", MUNICIPALITY),
        ("Oni", "ონი", MUNICIPALITY),
        ("Tsageri", "ცაგერი", MUNICIPALITY),
        ("Lentekhi", "ლენტეხი", MUNICIPALITY),
    ],
    "GE-SZ": [
        ("Poti", "ფოთი", CITY),
        ("Zugdidi", "ზუგდიდი", MUNICIPALITY),
        ("Abasha", "აბაშა", MUNICIPALITY),
        ("Martvili", "მარტვილი", MUNICIPALITY),
        ("Mestia", "მესტია", MUNICIPALITY),
        ("Senaki", "სენაკი", MUNICIPALITY),
        ("Chkhorotsku", "ჩხოროწყუ", MUNICIPALITY),
        ("Tsalenjikha", "წალენჯიხა", MUNICIPALITY),
        ("Khobi", "ხობი", MUNICIPALITY),
    ],
    "GE-SJ": [
        ("Akhaltsikhe", "ახალციხე", MUNICIPALITY),
        ("Adigeni", "ადიგენი", MUNICIPALITY),
        ("Aspindza", "ასპინძა", MUNICIPALITY),
        ("Akhalkalaki", "ახალქალაქი", MUNICIPALITY),
        ("Borjomi", "ბორჯომი", MUNICIPALITY),
        ("Ninotsminda", "ნინოწმინდა", MUNICIPALITY),
    ],
    "GE-SK": [
        ("Gori", "გორი", MUNICIPALITY),
        ("Kaspi", "კასპი", MUNICIPALITY),
        ("Kareli", "ქარელი", MUNICIPALITY),
        ("Khashuri", "ხაშური", MUNICIPALITY),
    ],
}


def load_geography(region_model, municipality_model) -> None:
    """Create or refresh every region and municipality; safe to run again."""
    for code, name_en, name_ka in REGIONS:
        region, _ = region_model.objects.update_or_create(
            code=code, defaults={"name_en": name_en, "name_ka": name_ka}
        )
        for m_en, m_ka, kind in MUNICIPALITIES[code]:
            municipality_model.objects.update_or_create(
                region=region, name_en=m_en, defaults={"name_ka": m_ka, "kind": kind}
            )
