"""The centre's themes and target groups, as the data migration loads them."""

# (code, English, Georgian, priority)
THEMES = [
    ("inclusive-local-policy", "Inclusive local policy", "ინკლუზიური ადგილობრივი პოლიტიკა", True),
    ("citizen-participation", "Citizen participation mechanisms", "მოქალაქეთა მონაწილეობის მექანიზმები", True),
    ("social-services", "Quality and accessible social services", "ხარისხიანი და ხელმისაწვდომი სოციალური სერვისები", True),
    ("public-servant-retraining", "Retraining of local public servants", "ადგილობრივი საჯარო მოხელეების გადამზადება", True),
    ("youth", "Youth", "ახალგაზრდობა", False),
    ("eu-integration", "EU integration", "ევროინტეგრაცია", False),
    ("regional-development", "Regional development", "რეგიონული განვითარება", False),
]

# (code, English, Georgian)
TARGET_GROUPS = [
    ("youth", "Young people", "ახალგაზრდები"),
    ("women", "Women", "ქალები"),
    ("persons-with-disabilities", "Persons with disabilities", "შეზღუდული შესაძლებლობის მქონე პირები"),
    ("older-people", "Older people", "ხანდაზმულები"),
    ("idps", "Internally displaced persons", "იძულებით გადაადგილებული პირები"),
    ("ethnic-minorities", "Ethnic minorities", "ეთნიკური უმცირესობები"),
    ("rural-communities", "Rural communities", "სოფლის თემები"),
    ("public-servants", "Public servants", "საჯარო მოხელეები"),
    ("children", "Children", "ბავშვები"),
]


def load_vocabulary(theme_model, target_group_model) -> None:
    for position, (code, name_en, name_ka, priority) in enumerate(THEMES):
        theme_model.objects.update_or_create(
            code=code,
            defaults={"name_en": name_en, "name_ka": name_ka, "is_priority": priority, "position": position},
        )
    for code, name_en, name_ka in TARGET_GROUPS:
        target_group_model.objects.update_or_create(
            code=code, defaults={"name_en": name_en, "name_ka": name_ka}
        )
