package dev.pgoutbox.autoconfigure.jpa;

import java.util.Map;
import java.util.UUID;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;

import org.springframework.transaction.annotation.Transactional;

import dev.pgoutbox.OutboxPublisher;

/**
 * A JPA service that writes an entity and its event in one {@code @Transactional} method.
 */
public class OrderService {

	@PersistenceContext
	private EntityManager entityManager;

	private final OutboxPublisher outbox;

	public OrderService(OutboxPublisher outbox) {
		this.outbox = outbox;
	}

	@Transactional
	public UUID place(String item, boolean failAfterPublish) {
		UUID id = UUID.randomUUID();
		this.entityManager.persist(new PurchaseOrder(id, item));
		this.entityManager.flush();
		this.outbox.publish("OrderPlaced", id.toString(), Map.of("item", item));
		if (failAfterPublish) {
			throw new IllegalStateException("payment declined");
		}
		return id;
	}

	@Transactional(readOnly = true)
	public long count() {
		return this.entityManager.createQuery("select count(o) from PurchaseOrder o", Long.class).getSingleResult();
	}

}
