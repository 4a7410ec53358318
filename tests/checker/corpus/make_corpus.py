"""Writes posts.jsonl: the labelled corpus for precision/recall (run: python make_corpus.py).

Every post is written out by hand below or combined from hand-written parts; `expect` lists the
categories a careful reviewer would flag (any level), so a finding outside it is a false alarm.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

ANNOUNCEMENTS_LV = [
    "Aicinām iedzīvotājus pieteikties bezmaksas digitālo prasmju kursiem līdz 31. martam.",
    "Klientu apkalpošanas centrs 18. novembrī būs slēgts.",
    "Pieteikšanās valsts stipendijām sākas 2025. gada 1. septembrī plkst. 9.00.",
    "Atgādinām, ka deklarācijas jāiesniedz līdz 1. jūnijam.",
    "Šonedēļ Valmierā atvērts jauns valsts un pašvaldību vienotais klientu apkalpošanas centrs.",
    "Informējam, ka e-pakalpojumu portālā plānoti uzturēšanas darbi no plkst. 22.00 līdz 2.00.",
    "Sestdien notiks Atvērto durvju diena; gaidām ciemos ģimenes ar bērniem.",
    "Valdība apstiprināja jaunu atbalsta programmu mazajiem uzņēmumiem.",
    "Ministrija sagatavojusi skaidrojumu par jaunajām darba devēju prasībām.",
    "Iedzīvotāju ērtībai klientu centrs pagarina darba laiku līdz plkst. 19.00.",
    "Sākusies pieteikšanās vasaras praksei ministrijā. Aicinām studentus pieteikties!",
    "Ceļu satiksmes drošības nedēļā atgādinām par atstarotāju lietošanu tumšajā laikā.",
    "Svētku dienās iestāde strādās saīsinātu darba laiku.",
    "Jaunie noteikumi par pabalstiem stājas spēkā 2026. gada 1. janvārī.",
    "Publiskajai apspriešanai nodots plāns par sabiedriskā transporta maršrutiem.",
    "Skolotāju dienā sakām paldies visiem pedagogiem par ieguldījumu.",
    "Pašvaldība aicina pieteikt idejas līdzdalības budžetam līdz maija beigām.",
    "Mūsu speciālisti atbildēs uz jautājumiem tiešsaistes seminārā ceturtdien plkst. 15.00.",
    "Valsts kanceleja izsludina konkursu uz vecākā eksperta amatu.",
    "Informējam, ka mājaslapā pieejams pārskats par iestādes darbu 2024. gadā.",
]
ANNOUNCEMENTS_EN = [
    "Applications for the digital skills programme are open until 31 March.",
    "The service centre will be closed on 18 November.",
    "We remind residents that tax returns are due by 1 June.",
    "New rules on benefits take effect on 1 January 2026.",
    "The ministry has published guidance for employers on the new requirements.",
    "Join our online seminar on Thursday at 15:00 to ask our experts.",
    "The public consultation on bus routes is open until the end of May.",
    "Thank you to all teachers on Teachers' Day.",
]
CONTACT = [
    "",
    " Informatīvais tālrunis 67082800.",
    " Jautājumus sūtiet uz pasts@vk.gov.lv.",
    " Vairāk: https://www.vk.gov.lv/lv/jaunumi",
    " #VKanceleja",
]
QUOTES = [
    "Ministrs J. Bērziņš: „Es uzskatu, ka reforma palīdzēs skolām.”",
    "Valsts kancelejas direktore: „Esmu gandarīta par paveikto šajā gadā.”",
    "“I am proud of our team,” said the Minister at the opening.",
    "Vadītāja uzrunā teica: „Mēs turpināsim darbu, un es personīgi sekošu līdzi rezultātiem.”",
    "Ministre: „Manuprāt, jaunie noteikumi ir skaidrāki.” Vairāk – mājaslapā.",
    '"I believe this is the right step," the Director said today.',
]
PERSONAL_ASIDES = [
    "Šodien apmeklēju Jelgavas skolu un runāju ar skolotājiem.",
    "Esmu gandarīts, ka projekts beidzot ir pabeigts.",
    "Biju konferencē Briselē, ļoti iedvesmojoši.",
    "Rīt būšu Valmierā un tikšos ar iedzīvotājiem.",
    "Manuprāt, jaunais likums ir pārsteidzīgs.",
    "Es domāju, ka rindas samazināsies.",
    "Vakar piedalījos diskusijā par ēnu ekonomiku.",
    "Lepojos ar mūsu komandu!",
    "I visited the new library today and loved it.",
    "I think the new rules are fair.",
    "My thoughts are with the families affected.",
    "Nepiekrītu kritikai par budžetu.",
]
MIXED = [
    "Mēs aicinām pieteikties kursiem. Es personīgi iesaku tos visiem.",
    "Ministrija informē par izmaiņām. Man šķiet, ka tās būs noderīgas.",
    "We are hiring analysts! I loved working here for five years.",
    "Aicinām uz semināru. Būšu tur arī es.",
    "Atgādinām par termiņu. Esmu pārliecināts, ka visi paspēs.",
    "Mūsu iestāde uzsāk jaunu projektu, un es ceru uz jūsu atbalstu.",
]
PERSONAL_DATA = [
    "Iesniedzējs: Jānis Ozols, personas kods 120380-12348.",
    "Sazinieties ar atbildīgo darbinieci Annu: 29123456.",
    "Rakstiet Jānim uz janis.ozols@gmail.com.",
    "Jānis Ozols ir aizturēts par krāpšanu.",
    "Pieteikumu iesniedza persona ar kodu 321234-56789.",
    "Call our colleague Anna on +371 29 123 456.",
    "Anna Liepa was diagnosed with cancer last year; she thanks the hospital.",
    "Līga Kalniņa saslimusi ar depresiju un atrodas slimnīcā.",
    "Informāciju sniedz Pēteris Kalns, tālr. 26543210, e-pasts peteris.kalns@inbox.lv.",
    "Uzvarētāja Marta Zariņa, tālrunis 22334455.",
]
BARE_LINKS = [
    "https://www.vk.gov.lv/lv/jaunumi/zinojums",
    "Skatiet: https://www.vk.gov.lv/lv/jaunumi",
    "Vairāk šeit 👉 https://www.vk.gov.lv/lv/jaunumi #VK",
    "https://bit.ly/3xYz12 @VKanceleja",
    "Read: https://www.gov.uk/guidance",
    "Jaunumi: www.vk.gov.lv/lv",
]
OFFICIALESE = [
    "Ņemot vērā iepriekšminēto, iesniegumi tiks izskatīti mēneša laikā.",
    "Saskaņā ar noteikumiem iestāde veiks pārbaudi līdz mēneša beigām.",
    "Valsts kanceleja (turpmāk – VK) informē par izmaiņām.",
    "Pursuant to the regulation, offices close at noon.",
    "Prior to submission, applicants must read the guidance hereinafter referred to as the Guide.",
    "Sakarā ar remontdarbiem ieeja no pagalma puses.",
    "Iestāde aicina pieņemt lēmumu par dalību līdz piektdienai.",
    "Saskaņā ar MK noteikumu Nr. 123 5. punktu un likuma 7. pantu iesniegumi jāiesniedz līdz 1. jūnijam.",
]
CAMPAIGN = [
    "Balsojiet par sarakstu Nr. 5!",
    "Paldies Jaunā Vienotība par atbalstu mūsu novadam!",
    "Vote for the best candidate on Saturday!",
    "Atbalstiet sarakstu, kas rūpējas par jums!",
    "Nacionālā apvienība nāk klajā ar lielisku ideju.",
    "Progresīvie piedāvā pareizo ceļu; nobalso par viņiem!",
]
ABUSE = [
    "Tie, kas to izdomāja, ir idioti.",
    "Only an idiot would park there.",
    "Kritiķi ir vienkārši stulbi.",
    "Šie nelieši atkal zog!",
]
UNSOURCED = [
    "Bezdarbs samazinājies par 12%.",
    "Pētījumi liecina, ka riteņbraukšana uzlabo veselību.",
    "Studies show that reading to children helps them at school.",
    "45% iedzīvotāju izmanto e-pakalpojumus.",
    "Garantējam, ka rindu vairs nebūs!",
    "A miracle solution for queues: book online.",
]
SPEAKS_FOR = [
    "Ministrijas vārdā paziņoju, ka termiņš tiek pagarināts.",
    "Oficiāli: rīt iestāde būs slēgta.",
    "Officially: the deadline is extended.",
    "Iestādes vārdā atvainojos par neērtībām.",
]
MORE_ANNOUNCEMENTS_LV = [
    "No 1. aprīļa mainās klientu centra adrese; jaunā adrese ir Brīvības ielā 36, Rīgā.",
    "Ar valdības lēmumu piešķirti 2,5 miljoni eiro skolu remontiem novados.",
    "Atgādinām: pieteikumus stipendijai var iesniegt portālā latvija.gov.lv līdz 15. oktobrim.",
    "Ziemā ceļi var būt slideni, tāpēc aicinām autovadītājus būt uzmanīgiem.",
    "Valsts kanceleja sadarbībā ar ministrijām rīko apmācības par skaidru valodu.",
    "Šodien plkst. 12.00 visā valstī notiks trauksmes sirēnu pārbaude.",
    "Iedzīvotāji var pieteikties konsultācijām pie juristiem bez maksas.",
    "Pieteikuma veidlapa pieejama mūsu mājaslapā sadaļā „Pakalpojumi”.",
    "Pirmdien, 24. jūnijā, iestāde nestrādās.",
    "Ministru kabinets šodien atbalstīja grozījumus darba likumā.",
    "Turpinās pieteikšanās jauniešu nodarbinātības programmai vasarā.",
    "Atvērti pieteikumi pašvaldību projektu konkursam; finansējums ir 500 000 eiro.",
    "Mēs esam pieejami arī sociālajos tīklos darba dienās no plkst. 8.30 līdz 17.00.",
    "Publicēts pārskats par valsts pārvaldes cilvēkresursiem 2024. gadā.",
    "Aicinām vecākus reģistrēt bērnus pirmsskolas izglītības iestādēs laikus.",
    "Informējam, ka tiešsaistes pakalpojumi atkal darbojas bez traucējumiem.",
    "Izstāde par Latvijas valstiskumu būs apskatāma līdz 30. novembrim.",
    "Paldies visiem, kas piedalījās aptaujā par pakalpojumu kvalitāti!",
    "Rīt ministrijas ēkā notiks preses konference par budžeta projektu.",
    "Aicinām pārbaudīt savas deklarētās dzīvesvietas datus līdz gada beigām.",
]
# Announcements written to tempt the checker: EU "ES", genitive plurals in -āju/-ēju, accusatives
# in -u, second person, numbers, quotes and amounts.
TRICKY_ANNOUNCEMENTS = [
    "ES fondu līdzekļi palīdzēs iedzīvotāju mājokļu siltināšanā.",
    "Darba devēju un darba ņēmēju pārstāvji vienojās par minimālo algu.",
    "Pircēju tiesību aizsardzības centrs atgādina par atteikuma tiesībām.",
    "Aicinām skolotāju, vecāku un skolēnu pārstāvjus piedalīties diskusijā.",
    "Vai jūs zināt, kā pieteikties pabalstam? Skaidrojam soli pa solim.",
    "Lūdzu, sekojiet norādēm un ievērojiet drošības prasības.",
    "Viņš kļuva par pirmo lauksaimniecības ministru pēc neatkarības atjaunošanas.",
    "Nodokļu maksātāju skaits pagājušajā gadā pieauga.",
    "Konkursa budžets ir 26 000 000 eiro, un to sadalīs 2025.–2026. gadā.",
    "Sveicam visus Latvijas iedzīvotājus Lāčplēša dienā!",
    "Iesniegumu var iesniegt klātienē, pa pastu vai elektroniski ar drošu e-parakstu.",
    "Valsts kanceleja un ES Padome rīko kopīgu konferenci Rīgā.",
    "Ministrija sniedz atbalstu māju renovācijai visos novados.",
    "Jūs varat sekot līdzi sēdei tiešraidē mūsu mājaslapā.",
    "Apmeklētāju ērtībai ēkā pieejama lifts un autostāvvieta.",
    "Vēlētāju reģistrs būs pieejams no 1. jūlija.",
    "Atzīmējam Eiropas dienu kopā ar ES institūciju pārstāvjiem.",
    "Lietotāju atsauksmes palīdz mums uzlabot e-pakalpojumus.",
    "Gada balvu saņēma skolotāja no Cēsīm par darbu ar jauniešiem.",
    "Brīvprātīgo programmā iesaistījās vairāk nekā 300 dalībnieku.",
]
MORE_PERSONAL_DATA = [
    "Zaudētājs atradis dokumentus: Andris Bērziņš, p.k. 010190-10001.",
    "Ja ir jautājumi, rakstiet uz 20000001.",
    "Pieteikumu atsūtiet uz liga.kalnina@gmail.com līdz piektdienai.",
    "Kristaps Liepiņš ir notiesāts par krāpšanu un sodāmība vēl nav dzēsta.",
    "Contact the organiser: peter.smith@yahoo.com or +44 7700 900123.",
]
MORE_ASIDES = [
    "Domāju, ka šis gads būs veiksmīgs.",
    "Šodien iekļāvu savā dienaskārtībā tikšanos ar jauniešiem.",
    "Vakar runāju ar uzņēmējiem par nodokļiem.",
    "Nākamnedēļ strādāšu no Liepājas biroja.",
    "Gribu pateikt paldies kolēģiem par darbu.",
    "I'm delighted to announce our new director.",
    "Personīgi uzskatu, ka šis lēmums ir pareizs.",
    "Šorīt apskatīju jauno bibliotēku Ogrē.",
]
MORE_CAMPAIGN = [
    "Balso par Latvija pirmajā vietā!",
    "Re-elect our mayor on Saturday!",
    "Zaļo un Zemnieku savienība paveikusi vislabāk.",
]
MORE_BARE_LINKS = [
    "Lasiet https://www.lsm.lv/raksts/zinas",
    "👉 https://www.vk.gov.lv/lv/jaunumi/1234",
]
MORE_UNSOURCED = [
    "Statistika rāda, ka jaunieši arvien biežāk izmanto e-pakalpojumus.",
    "Dalībnieku skaits pieaudzis par 30 procentiem.",
]
PERSONAL_OK = [
    "Skaista diena pie jūras ar ģimeni.",
    "Šodien noskrēju savu pirmo pusmaratonu!",
    "Iesaku visiem izlasīt šo grāmatu.",
    "Great concert last night in Riga.",
    "Mūsu kaķis atkal guļ uz klaviatūras.",
]


ENGLISH = set(ANNOUNCEMENTS_EN)
OFFICIAL_VOICE = {
    "Manuprāt, jaunais likums ir pārsteidzīgs.",
    "Nepiekrītu kritikai par budžetu.",
    "Lepojos ar mūsu komandu!",
    "Personīgi uzskatu, ka šis lēmums ir pareizs.",
    "I'm delighted to announce our new director.",
}


def _english(text: str) -> bool:
    return text.split(maxsplit=1)[0] in {
        "I",
        "My",
        "Call",
        "Anna",
        "Pursuant",
        "Prior",
        "Vote",
        "Only",
        "Studies",
        "A",
        "Read:",
        "We",
        "Officially:",
    } or text.startswith(("“I", '"I'))


def rows() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    def add(group: str, text: str, expect: list[str], kind: str = "institution") -> None:
        # A Latvian institution posting only English gets the state-language warning by design.
        if kind == "institution" and _english(text) and "language" not in expect and group != "bare-link":
            expect = [*expect, "language"]
        out.append(
            {
                "id": f"{group}-{len(out) + 1}",
                "group": group,
                "account_kind": kind,
                "text": text,
                "expect": expect,
            }
        )

    for text, contact in itertools.product(ANNOUNCEMENTS_LV, CONTACT):
        add("announcement", text + contact, [])
    for text, contact in itertools.product(
        ANNOUNCEMENTS_EN, ["", " More: https://www.vk.gov.lv/en", " #VKanceleja"]
    ):
        # A Latvian institution posting only English is a state-language warning by design.
        add("announcement-en", text + contact, ["language"])
    for text in QUOTES:
        add("quote", text, [])
    for text in PERSONAL_ASIDES:
        add("personal-aside", text, ["voice"])
    for text in MIXED:
        add("mixed-voice", text, ["voice"])
    for text in PERSONAL_DATA:
        add("personal-data", text, ["personal-data"])
    for text in BARE_LINKS:
        add("bare-link", text, ["bare-link"])
    for text in OFFICIALESE:
        add("officialese", text, ["plain-language"])
    for text in CAMPAIGN:
        add("campaign", text, ["political"])
    for text in ABUSE:
        add("abuse", text, ["ethics"])
    for text in UNSOURCED:
        add("unsourced", text, ["unsourced-claim"])
    for text in SPEAKS_FOR:
        add("speaks-for", text, ["voice"], kind="personal")
    for text in PERSONAL_OK:
        add("personal-ok", text, [], kind="personal")
    for text in MORE_ANNOUNCEMENTS_LV:
        for contact in ("", " Sīkāk: https://www.vk.gov.lv/lv/jaunumi"):
            add("announcement", text + contact, [])
    for text in TRICKY_ANNOUNCEMENTS:
        add("announcement", text, [])
    for text in MORE_PERSONAL_DATA:
        add("personal-data", text, ["personal-data"] + (["language"] if text.startswith("Contact") else []))
    for text in MORE_ASIDES:
        add("personal-aside", text, ["voice"] + (["language"] if text.startswith("I'm") else []))
    for text in MORE_CAMPAIGN:
        add("campaign", text, ["political"] + (["language"] if text.startswith("Re-elect") else []))
    for text in MORE_BARE_LINKS:
        add("bare-link", text, ["bare-link"])
    for text in MORE_UNSOURCED:
        add("unsourced", text, ["unsourced-claim"])
    # On an official's own account first person is normal; opinions on policy need a disclaimer and
    # "I" next to the institution's "we" is mixed voice.
    for text in PERSONAL_ASIDES + MORE_ASIDES + QUOTES:
        add("official-account", text, ["voice"] if text in OFFICIAL_VOICE else [], kind="official")
    return out


if __name__ == "__main__":
    target = Path(__file__).with_name("posts.jsonl")
    with target.open("w", encoding="utf-8") as fh:
        for row in rows():
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {target.name}")
