package org.example.pools;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A pool built as Spring's ThreadPoolTaskExecutor builds its own: the hooks overridden, super not called.
 * Outside io.otelauto.patchers, which the agent never patches.
 */
public final class SkipSuperPool extends ThreadPoolExecutor {
  public SkipSuperPool() {
    super(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
  }

  @Override
  protected void beforeExecute(Thread thread, Runnable task) {
  }

  @Override
  protected void afterExecute(Runnable task, Throwable thrown) {
  }
}
