package dev.concierge.bot;

/**
 * Hears about reloads of the knowledge base file (see {@link FaqBot.Builder#watch(boolean)}).
 * Called on the watcher's thread; both methods do nothing by default.
 */
public interface ReloadListener {

    /**
     * A new version is in use.
     *
     * @param knowledgeBase the new version
     */
    default void reloaded(KnowledgeBase knowledgeBase) {}

    /**
     * The file changed but could not be used; the previous version stays in use.
     *
     * @param error what is wrong, naming the file, entry and field
     */
    default void failed(BotException error) {}
}
