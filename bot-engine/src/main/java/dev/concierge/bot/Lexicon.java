package dev.concierge.bot;

import java.util.List;
import java.util.Map;

/**
 * Word lists and canned replies for conversation that is not a question: greetings, thanks,
 * goodbyes and requests for a person, per language. Lists are written in lower case; accents
 * are ignored when matching.
 */
record Lexicon(String language, List<String> greetings, List<String> thanks, List<String> goodbyes,
               List<String> fillers, List<String> humanPhrases, List<String> humanWords,
               String greetingReply, String thanksReply, String goodbyeReply, String humanReply,
               String notSureReply) {

    static final Map<String, Lexicon> ALL = Map.of(
            "en", new Lexicon("en",
                    List.of("hi", "hello", "hey", "hiya", "howdy", "yo", "good morning", "good afternoon",
                            "good evening", "greetings", "how are you", "hi there", "hello there"),
                    List.of("thanks", "thank you", "thx", "ty", "cheers", "much appreciated", "appreciate it",
                            "thanks a lot", "great thanks", "perfect", "awesome", "ok", "okay", "got it",
                            "that helps", "that helped", "great", "cool"),
                    List.of("bye", "goodbye", "good bye", "see you", "see ya", "have a nice day",
                            "have a good day", "take care", "that's all", "that is all", "bye bye"),
                    List.of("there", "so", "much", "very", "you", "bot", "again", "all", "a", "lot",
                            "guys", "folks", "team", "and", "for", "your", "the", "help", "oh", "well",
                            "please", "i", "just", "wanted", "to", "say", "for now"),
                    List.of("talk to a person", "talk to a human", "talk to someone", "talk to somebody",
                            "talk to an agent", "talk with a person", "talk with someone", "speak to someone",
                            "speak to somebody", "speak to a person", "speak to a human", "speak to an agent",
                            "speak with someone", "speak with a person", "speak with an agent", "speak with a human",
                            "real person", "real human", "human being", "live agent", "live person", "live chat",
                            "customer service representative", "customer service agent", "support agent",
                            "talk to customer service", "speak to customer service", "connect me to",
                            "transfer me to", "get me a person", "get me a human", "get me someone",
                            "actual person", "actual human", "not a bot", "no bot", "stop the bot"),
                    List.of("human", "agent", "operator", "person", "representative", "rep", "someone",
                            "somebody", "staff", "humans", "agents"),
                    "Hello! Ask me anything about our shop, or type \"agent\" to talk to a person.",
                    "You're welcome! Anything else I can help with?",
                    "Goodbye, and thanks for visiting!",
                    "Sure, let me get you a person.",
                    "I'm not sure I understood. Did you mean one of these? Or I can get you a person."),
            "fr", new Lexicon("fr",
                    List.of("bonjour", "salut", "bonsoir", "coucou", "allo", "ca va", "comment ca va"),
                    List.of("merci", "merci beaucoup", "merci bien", "super", "parfait", "d'accord", "ok"),
                    List.of("au revoir", "a bientot", "bonne journee", "bonne soiree", "a plus", "adieu", "ciao"),
                    List.of("bien", "beaucoup", "encore", "tous", "a", "vous", "toi", "le", "la", "bot", "et"),
                    List.of("parler a quelqu'un", "parler a une personne", "parler a un humain",
                            "parler a un agent", "parler a un conseiller", "vraie personne", "etre humain",
                            "un conseiller", "service client", "une vraie personne", "pas un robot"),
                    List.of("humain", "agent", "conseiller", "operateur", "quelqu'un", "personne", "conseillere"),
                    "Bonjour ! Posez-moi vos questions, ou écrivez « conseiller » pour parler à une personne.",
                    "Avec plaisir ! Puis-je vous aider pour autre chose ?",
                    "Au revoir et merci de votre visite !",
                    "Bien sûr, je vous mets en relation avec une personne.",
                    "Je ne suis pas sûr d'avoir compris. Vouliez-vous dire l'une de ces questions ? "
                            + "Sinon, je peux vous mettre en relation avec une personne."),
            "es", new Lexicon("es",
                    List.of("hola", "buenos dias", "buenas tardes", "buenas noches", "buenas", "que tal"),
                    List.of("gracias", "muchas gracias", "mil gracias", "perfecto", "genial", "vale", "ok"),
                    List.of("adios", "hasta luego", "hasta pronto", "chao", "nos vemos", "buen dia"),
                    List.of("muy", "mucho", "muchas", "de", "nuevo", "bot", "y", "a", "todos"),
                    List.of("hablar con una persona", "hablar con alguien", "hablar con un humano",
                            "hablar con un agente", "persona real", "ser humano", "atencion al cliente",
                            "un asesor", "hablar con un asesor", "no un robot"),
                    List.of("humano", "agente", "operador", "persona", "asesor", "alguien", "representante"),
                    "¡Hola! Pregúntame lo que quieras, o escribe «agente» para hablar con una persona.",
                    "¡De nada! ¿Puedo ayudarte con algo más?",
                    "¡Adiós y gracias por tu visita!",
                    "Claro, te paso con una persona.",
                    "No estoy seguro de haber entendido. ¿Quisiste decir alguna de estas? "
                            + "O puedo pasarte con una persona."),
            "de", new Lexicon("de",
                    List.of("hallo", "guten tag", "guten morgen", "guten abend", "servus", "moin", "gruss gott",
                            "hi", "hey"),
                    List.of("danke", "vielen dank", "danke schon", "danke sehr", "super", "perfekt", "ok"),
                    List.of("tschuss", "auf wiedersehen", "bis bald", "ciao", "schonen tag"),
                    List.of("sehr", "nochmal", "dir", "ihnen", "euch", "und", "bot", "vielen"),
                    List.of("mit einem menschen", "mit einer person", "mit jemandem sprechen",
                            "mit einem mitarbeiter", "echte person", "echter mensch", "kundendienst",
                            "kundenservice", "mit einem berater", "kein bot", "kein roboter"),
                    List.of("mensch", "mitarbeiter", "berater", "agent", "person", "jemand", "jemanden",
                            "kundenberater"),
                    "Hallo! Fragen Sie mich etwas, oder schreiben Sie „Mitarbeiter“, um mit einer Person zu sprechen.",
                    "Gern geschehen! Kann ich sonst noch helfen?",
                    "Auf Wiedersehen und danke für Ihren Besuch!",
                    "Gern, ich verbinde Sie mit einer Person.",
                    "Ich bin nicht sicher, ob ich Sie verstanden habe. Meinten Sie eine dieser Fragen? "
                            + "Oder ich verbinde Sie mit einer Person."));

    /**
     * The lexicon of a language, English when there is none for it.
     *
     * @param language an ISO 639-1 code
     */
    static Lexicon of(String language) {
        return ALL.getOrDefault(language, ALL.get("en"));
    }
}
