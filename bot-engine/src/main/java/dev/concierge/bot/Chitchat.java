package dev.concierge.bot;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Recognises what is not a question for the knowledge base: small talk (a message made only of
 * greetings, thanks or goodbyes) and requests for a person, in every configured language.
 * Rules, not statistics: a request for a human must never be mistaken for an FAQ question.
 */
final class Chitchat {

    /** A recognised message and the canned reply to it. */
    record Recognised(BotReply.Kind kind, String reply) {}

    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}']+");
    private static final Pattern QUOTES = Pattern.compile("^'+|'+$");
    /** Words that may surround a bare "agent" or "human" in a short request. */
    private static final Set<String> REQUEST_WORDS = Set.of(
            "i",
            "want",
            "need",
            "a",
            "an",
            "the",
            "please",
            "talk",
            "speak",
            "to",
            "with",
            "get",
            "me",
            "can",
            "could",
            "real",
            "live",
            "any",
            "is",
            "there",
            "give",
            "you",
            "pls",
            "plz",
            "now",
            "id",
            "like",
            "would",
            "un",
            "une",
            "je",
            "veux",
            "parler",
            "voudrais",
            "s'il",
            "vous",
            "plait",
            "quiero",
            "hablar",
            "con",
            "una",
            "por",
            "favor",
            "ich",
            "mochte",
            "will",
            "mit",
            "einem",
            "einer",
            "sprechen",
            "bitte",
            "ein",
            "eine",
            "menschlichen");

    private final List<Lexicon> lexicons;
    /** Every phrase of every lexicon, tokenised once. */
    private final Map<String, List<String>> phraseTokens = new HashMap<>();

    /**
     * @param languages the configured languages; the first one's replies win when the message
     *                  could be read in several languages
     */
    Chitchat(List<String> languages) {
        Set<String> ordered = new LinkedHashSet<>(languages);
        ordered.addAll(Lexicon.ALL.keySet());
        List<Lexicon> list = new ArrayList<>();
        for (String l : ordered) {
            if (Lexicon.ALL.containsKey(l)) {
                list.add(Lexicon.ALL.get(l));
            }
        }
        this.lexicons = List.copyOf(list);
        for (Lexicon lex : lexicons) {
            for (List<String> phrases : List.of(lex.humanPhrases(), lex.greetings(), lex.thanks(), lex.goodbyes())) {
                phrases.forEach(p -> phraseTokens.put(p, tokens(p)));
            }
        }
    }

    /**
     * Recognises small talk or a request for a person.
     *
     * @return the kind and the reply, or empty when the message should go to the knowledge base
     */
    Optional<Recognised> recognise(String message) {
        List<String> tokens = tokens(message);
        if (tokens.isEmpty()) {
            return Optional.empty();
        }
        for (Lexicon lex : lexicons) {
            if (asksForHuman(tokens, lex)) {
                return Optional.of(new Recognised(BotReply.Kind.HUMAN_REQUEST, lex.humanReply()));
            }
        }
        for (Lexicon lex : lexicons) {
            Optional<String> reply = smallTalk(tokens, lex);
            if (reply.isPresent()) {
                return Optional.of(new Recognised(BotReply.Kind.SMALL_TALK, reply.get()));
            }
        }
        return Optional.empty();
    }

    static List<String> tokens(String message) {
        String s = Normalizer.normalize(message.toLowerCase(Locale.ROOT).replace('’', '\''), Normalizer.Form.NFD);
        s = MARKS.matcher(s).replaceAll("");
        List<String> out = new ArrayList<>();
        for (String t : NON_WORD.split(s)) {
            String w = QUOTES.matcher(t).replaceAll("");
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    private boolean asksForHuman(List<String> tokens, Lexicon lex) {
        for (String phrase : lex.humanPhrases()) {
            if (indexOf(tokens, phraseTokens.get(phrase), 0) >= 0) {
                return true;
            }
        }
        if (tokens.size() > 6) {
            return false;
        }
        boolean named = false;
        for (String t : tokens) {
            if (lex.humanWords().contains(t)) {
                named = true;
            } else if (!REQUEST_WORDS.contains(t)) {
                return false;
            }
        }
        return named;
    }

    /** A message made only of greetings, thanks, goodbyes and filler words. */
    private Optional<String> smallTalk(List<String> tokens, Lexicon lex) {
        boolean[] covered = new boolean[tokens.size()];
        String reply = null;
        int rank = 0;
        List<List<String>> groups = List.of(lex.greetings(), lex.thanks(), lex.goodbyes());
        List<String> replies = List.of(lex.greetingReply(), lex.thanksReply(), lex.goodbyeReply());
        for (int g = 0; g < groups.size(); g++) {
            for (String phrase : groups.get(g)) {
                List<String> p = phraseTokens.get(phrase);
                for (int at = indexOf(tokens, p, 0); at >= 0; at = indexOf(tokens, p, at + 1)) {
                    Arrays.fill(covered, at, at + p.size(), true);
                    if (g + 1 >= rank) {
                        rank = g + 1;
                        reply = replies.get(g);
                    }
                }
            }
        }
        if (reply == null) {
            return Optional.empty();
        }
        for (int i = 0; i < tokens.size(); i++) {
            if (!covered[i] && !lex.fillers().contains(tokens.get(i))) {
                return Optional.empty();
            }
        }
        return Optional.of(reply);
    }

    private static int indexOf(List<String> tokens, List<String> phrase, int from) {
        if (phrase.isEmpty()) {
            return -1;
        }
        outer:
        for (int i = from; i + phrase.size() <= tokens.size(); i++) {
            for (int j = 0; j < phrase.size(); j++) {
                if (!tokens.get(i + j).equals(phrase.get(j))) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
