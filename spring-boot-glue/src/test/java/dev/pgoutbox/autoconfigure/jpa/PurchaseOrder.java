package dev.pgoutbox.autoconfigure.jpa;

import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

@Entity
@Table(name = "purchase_order")
public class PurchaseOrder {

	@Id
	private UUID id;

	private String item;

	protected PurchaseOrder() {
	}

	public PurchaseOrder(UUID id, String item) {
		this.id = id;
		this.item = item;
	}

	public UUID getId() {
		return this.id;
	}

	public String getItem() {
		return this.item;
	}

}
