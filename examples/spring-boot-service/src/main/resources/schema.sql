CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(64), price DECIMAL(10, 2));
INSERT INTO items VALUES (1, 'lamp', 19.99), (2, 'chair', 45.00), (3, 'desk', 120.00);
