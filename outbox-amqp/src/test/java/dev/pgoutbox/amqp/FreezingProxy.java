package dev.pgoutbox.amqp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy in front of the broker that can hold back everything the broker sends, so
 * that a publish reaches the broker but its confirm never reaches the client: a broker
 * that has stopped answering, for real, without touching the client.
 */
final class FreezingProxy implements AutoCloseable {

	private final ServerSocket server;

	private final int target;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private final Object lock = new Object();

	private boolean frozen;

	FreezingProxy(int target) throws IOException {
		this.target = target;
		this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(this::accept, "freezing-proxy");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	int port() {
		return this.server.getLocalPort();
	}

	/** From now on, bytes from the broker are held back until {@link #thaw()}. */
	void freeze() {
		synchronized (this.lock) {
			this.frozen = true;
		}
	}

	void thaw() {
		synchronized (this.lock) {
			this.frozen = false;
			this.lock.notifyAll();
		}
	}

	private void accept() {
		while (!this.server.isClosed()) {
			try {
				Socket client = this.server.accept();
				Socket broker = new Socket(InetAddress.getLoopbackAddress(), this.target);
				this.sockets.add(client);
				this.sockets.add(broker);
				pump(client.getInputStream(), broker.getOutputStream(), false);
				pump(broker.getInputStream(), client.getOutputStream(), true);
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private void pump(InputStream in, OutputStream out, boolean fromBroker) {
		Thread thread = new Thread(() -> {
			byte[] buffer = new byte[8192];
			try {
				for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
					if (fromBroker) {
						awaitThawed();
					}
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException | InterruptedException ex) {
				// the other side went away, or the proxy closed
			}
		}, "freezing-proxy-pump");
		thread.setDaemon(true);
		thread.start();
	}

	private void awaitThawed() throws InterruptedException {
		synchronized (this.lock) {
			while (this.frozen) {
				this.lock.wait();
			}
		}
	}

	@Override
	public void close() throws IOException {
		thaw();
		this.server.close();
		for (Socket socket : this.sockets) {
			socket.close();
		}
	}

}
